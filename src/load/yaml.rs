//! YAML (and therefore JSON) text to positioned trees, one per document.
//!
//! Built from `saphyr-parser` events rather than saphyr's own tree so that
//! positions are converted to byte offsets once, here, anchors and merge keys
//! (`<<: *base`, which saphyr leaves alone) are expanded under a node budget,
//! and nesting depth is bounded without recursion.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use crate::tree::{Node, Span, Value};

/// Deepest nesting accepted; real configuration stays far below it.
pub const MAX_DEPTH: usize = 256;
/// Most nodes a file may expand to through aliases and merge keys.
pub const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlErrorKind {
    Parse,
    Limit,
}

#[derive(Debug, Clone)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    /// Byte offset in the text.
    pub offset: usize,
    pub message: String,
}

/// One YAML document with a non-empty root.
#[derive(Debug)]
pub struct YamlDoc {
    /// Position of the document among all documents of the file, from 0.
    pub index: usize,
    pub root: Node,
}

/// Converts saphyr's character indices to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    /// Byte offset of each char, only when the text is not pure ASCII.
    table: Option<Vec<usize>>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let table = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        Offsets { text, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.text.len()),
            Some(t) => t.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn span(&self, s: &YSpan) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index()).max(start);
        // Block scalars end at the next token: trim trailing whitespace once, here.
        let trimmed = self.text[start..end].trim_end().len();
        Span::new(start, start + trimmed)
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
    },
}

struct Builder<'a> {
    offsets: Offsets<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    budget: usize,
    docs: Vec<YamlDoc>,
    doc_index: usize,
}

/// Parses every document of `text`. `text` must not start with a BOM.
pub fn parse(text: &str) -> Result<Vec<YamlDoc>, YamlError> {
    let mut b = Builder {
        offsets: Offsets::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: MAX_NODES,
        docs: Vec::new(),
        doc_index: 0,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            // saphyr caps flow nesting at 255 levels with this message: a limit, not bad syntax.
            kind: if e.info() == "recursion limit exceeded" {
                YamlErrorKind::Limit
            } else {
                YamlErrorKind::Parse
            },
            offset: b.offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        })?;
        b.on_event(event, &span)?;
    }
    Ok(b.docs)
}

impl Builder<'_> {
    fn limit(&self, offset: usize, message: String) -> YamlError {
        YamlError {
            kind: YamlErrorKind::Limit,
            offset,
            message,
        }
    }

    fn on_event(&mut self, event: Event<'_>, span: &YSpan) -> Result<(), YamlError> {
        let sp = self.offsets.span(span);
        match event {
            Event::DocumentStart(_) => self.anchors.clear(),
            Event::Scalar(text, style, anchor, _tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let node = Node::scalar(text.into_owned(), quoted, sp);
                self.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(YamlError {
                        kind: YamlErrorKind::Parse,
                        offset: sp.start,
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
                self.spend(node.size(), sp.start)?;
                self.finish(node, 0)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(
                        self.limit(sp.start, format!("nesting deeper than {MAX_DEPTH} levels"))
                    );
                }
                let flow = matches!(
                    self.offsets.text.as_bytes().get(sp.start),
                    Some(b'[' | b'{')
                );
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            start: sp.start,
                            anchor,
                            flow,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            key: None,
                            start: sp.start,
                            anchor,
                            flow,
                        }
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (value, start, anchor, flow, last_end) = match frame {
                    Frame::Seq {
                        items,
                        start,
                        anchor,
                        flow,
                    } => {
                        let last = items.last().map(|n| n.span.end);
                        (Value::Seq(items), start, anchor, flow, last)
                    }
                    Frame::Map {
                        entries,
                        start,
                        anchor,
                        flow,
                        ..
                    } => {
                        let last = entries.last().map(|(_, v)| v.span.end);
                        let entries = self.merge_keys(entries, start)?;
                        (Value::Map(entries), start, anchor, flow, last)
                    }
                };
                let end = if flow {
                    sp.end.max(start + 1)
                } else {
                    last_end.unwrap_or(start)
                };
                self.finish(
                    Node {
                        value,
                        span: Span::new(start, end.max(start)),
                    },
                    anchor,
                )?;
            }
            _ => {}
        }
        Ok(())
    }

    fn spend(&mut self, nodes: usize, offset: usize) -> Result<(), YamlError> {
        if nodes > self.budget {
            return Err(self.limit(
                offset,
                format!("aliases and merge keys expand past {MAX_NODES} nodes"),
            ));
        }
        self.budget -= nodes;
        Ok(())
    }

    /// Places a completed node into its parent, or ends the document.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                let index = self.doc_index;
                self.doc_index += 1;
                if !node.is_null() {
                    self.docs.push(YamlDoc { index, root: node });
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Applies YAML merge keys: entries of `<<` maps fill in keys not written explicitly.
    fn merge_keys(
        &mut self,
        entries: Vec<(Node, Node)>,
        start: usize,
    ) -> Result<Vec<(Node, Node)>, YamlError> {
        let is_merge =
            |k: &Node| matches!(&k.value, Value::Scalar(s) if !s.quoted && s.text == "<<");
        if !entries.iter().any(|(k, _)| is_merge(k)) {
            return Ok(entries);
        }
        let (merges, mut own): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(k, _)| is_merge(k));
        for (_, source) in merges {
            let sources: Vec<Node> = match source.value {
                Value::Map(_) => vec![source],
                Value::Seq(items) => items,
                _ => continue,
            };
            for src in sources {
                let Value::Map(src_entries) = src.value else {
                    continue;
                };
                for (k, v) in src_entries {
                    let exists = own
                        .iter()
                        .any(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str());
                    if !exists {
                        self.spend(k.size() + v.size(), start)?;
                        own.push((k, v));
                    }
                }
            }
        }
        Ok(own)
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, YamlErrorKind, MAX_DEPTH};
    use crate::source::SourceFile;
    use crate::tree::Node;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("t.yaml".into(), "t.yaml".into(), text.to_string())
    }

    fn get<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
        path.iter().fold(node, |n, k| {
            n.get(k).unwrap_or_else(|| panic!("no `{k}` in {n:?}"))
        })
    }

    fn text<'a>(src: &'a str, node: &Node) -> &'a str {
        &src[node.span.start..node.span.end]
    }

    #[test]
    fn every_document_is_loaded_with_its_index() {
        let src = "---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n---\nc: [3]\n---\n";
        let docs = parse(src).unwrap();
        let roots: Vec<&str> = docs
            .iter()
            .map(|d| d.root.as_map().unwrap()[0].0.as_str().unwrap())
            .collect();
        assert_eq!(roots, ["a", "b", "c"]);
        let indices: Vec<usize> = docs.iter().map(|d| d.index).collect();
        assert!(indices.windows(2).all(|w| w[0] < w[1]), "{indices:?}");
        assert_eq!(indices[0], 0);
        assert_eq!(text(src, get(&docs[1].root, &["b"])), "2");
    }

    #[test]
    fn empty_and_comment_only_files_have_no_documents() {
        for src in [
            "",
            "\n",
            "# nothing\n",
            "---\n",
            "---\n---\n",
            "--- # c\n...\n",
        ] {
            assert!(parse(src).unwrap().is_empty(), "{src:?}");
        }
    }

    #[test]
    fn merge_keys_fill_in_and_explicit_keys_win() {
        let src = "\
base: &base {timeout: 2s, retries: {attempts: 2}}
route:
  timeout: 5s
  <<: *base
  name: r
";
        let docs = parse(src).unwrap();
        let route = get(&docs[0].root, &["route"]);
        assert_eq!(get(route, &["timeout"]).as_str(), Some("5s"));
        assert_eq!(get(route, &["retries", "attempts"]).as_i64(), Some(2));
        assert_eq!(get(route, &["name"]).as_str(), Some("r"));
        assert!(route.get("<<").is_none(), "the merge key itself is dropped");
        // A merged value keeps the position where it is written (the anchor).
        let line = source(src)
            .line_col(get(route, &["retries"]).span.start)
            .line;
        assert_eq!(line, 1);
    }

    #[test]
    fn merge_key_lists_take_the_first_map_that_has_a_key() {
        let src = "\
a: &a {x: 1, y: 1}
b: &b {y: 2, z: 2}
m:
  <<: [*a, *b]
  z: 3
";
        let docs = parse(src).unwrap();
        let m = get(&docs[0].root, &["m"]);
        assert_eq!(get(m, &["x"]).as_i64(), Some(1));
        assert_eq!(get(m, &["y"]).as_i64(), Some(1));
        assert_eq!(get(m, &["z"]).as_i64(), Some(3));
        assert_eq!(m.as_map().unwrap().len(), 3);
    }

    #[test]
    fn a_quoted_merge_key_is_an_ordinary_key() {
        let docs = parse("a: &a {x: 1}\nm: {\"<<\": *a}\n").unwrap();
        let m = get(&docs[0].root, &["m"]);
        assert!(m.get("x").is_none());
        assert!(m.get("<<").is_some());
    }

    #[test]
    fn anchors_do_not_cross_documents() {
        let err = parse("a: &a 1\n---\nb: *a\n").unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Parse);
    }

    #[test]
    fn an_alias_bomb_is_a_limit_error() {
        let mut src = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*l{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            src.push_str(&format!("l{i}: &l{i} [{items}]\n"));
        }
        let err = parse(&src).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Limit, "{}", err.message);
        assert!(err.offset <= src.len());
    }

    #[test]
    fn a_merge_key_bomb_is_a_limit_error() {
        // Each level merges ten copies of the previous one under new keys.
        let mut src = String::from("m0: &m0 {k0: [a, b, c, d, e, f, g, h, i, j]}\n");
        for i in 1..9 {
            let p = i - 1;
            let entries: Vec<String> = (0..10).map(|k| format!("k{i}_{k}: *m{p}")).collect();
            src.push_str(&format!(
                "m{i}: &m{i} {{<<: *m{p}, {}}}\n",
                entries.join(", ")
            ));
        }
        let err = parse(&src).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Limit, "{}", err.message);
    }

    #[test]
    fn legitimate_alias_reuse_loads() {
        // 10^4 expanded nodes: well within the budget.
        let mut src = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..4 {
            let prev = format!("*l{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            src.push_str(&format!("l{i}: &l{i} [{items}]\n"));
        }
        let docs = parse(&src).unwrap();
        assert!(docs[0].root.size() > 10_000);
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let depth = 100_000;
        let closed = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let err = parse(&closed).unwrap_err();
        assert!(err.offset <= closed.len());
        assert_eq!(err.kind, YamlErrorKind::Limit);
        let unclosed = "[".repeat(depth);
        assert!(parse(&unclosed).is_err());
        let maps = format!("{}{}", "{a: ".repeat(depth), "}".repeat(depth));
        assert!(parse(&maps).is_err());
    }

    #[test]
    fn nesting_up_to_the_limits_loads_and_past_them_is_a_limit_error() {
        // Flow nesting: saphyr stops at 255 levels.
        let flow = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(parse(&flow(255)).unwrap().len(), 1);
        assert_eq!(parse(&flow(256)).unwrap_err().kind, YamlErrorKind::Limit);
        // Block nesting: the loader stops at MAX_DEPTH.
        let block = |n: usize| {
            let mut s: String = (0..n).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
            s.push_str(&format!("{}leaf: 1\n", " ".repeat(n)));
            s
        };
        assert_eq!(parse(&block(MAX_DEPTH - 1)).unwrap().len(), 1);
        let err = parse(&block(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Limit, "{}", err.message);
    }

    #[test]
    fn positions_survive_crlf_and_non_ascii_text() {
        let src = "# café ✓ — naïve\r\nmetadata:\r\n  name: Zürich\r\n  labels: {région: Île-de-France, tier: ✓✓}\r\nspec:\r\n  timeout: 0s\r\n";
        let file = source(src);
        let docs = parse(src).unwrap();
        let root = &docs[0].root;

        let name = get(root, &["metadata", "name"]);
        assert_eq!(text(src, name), "Zürich");
        let start = file.line_col(name.span.start);
        let end = file.line_col(name.span.end);
        assert_eq!((start.line, start.column), (3, 9));
        assert_eq!(
            (end.line, end.column),
            (3, 15),
            "end is just past the last char"
        );

        let tier = get(root, &["metadata", "labels", "tier"]);
        assert_eq!(text(src, tier), "✓✓");
        let pos = file.line_col(tier.span.start);
        assert_eq!((pos.line, pos.column), (4, 41));

        let (key, value) = get(root, &["spec"]).entry("timeout").unwrap();
        assert_eq!(text(src, value), "0s", "no `\\r` in the span");
        let k = file.line_col(key.span.start);
        let v = file.line_col(value.span.start);
        assert_eq!((k.line, k.column, v.column), (6, 3, 12));
    }

    #[test]
    fn block_spans_end_at_their_last_character() {
        let src = "spec:\n  http:\n  - route: r\n    timeout: 2s\n\n\n# trailing\nother: 1\n";
        let docs = parse(src).unwrap();
        let route = &get(&docs[0].root, &["spec", "http"]).as_seq().unwrap()[0];
        assert_eq!(text(src, route), "route: r\n    timeout: 2s");
        let script = "run: |\n  echo hi\n  echo bye\n\nnext: 1\n";
        let docs = parse(script).unwrap();
        // A block scalar's span covers its content, without the trailing blank line.
        assert_eq!(
            text(script, get(&docs[0].root, &["run"])),
            "echo hi\n  echo bye"
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let src = "a: 1\nb: [1, 2\nc: 3\n";
        let err = parse(src).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Parse);
        assert!(err.offset > 0 && err.offset <= src.len());
        assert!(parse("a: *nowhere\n").is_err());
    }
}
