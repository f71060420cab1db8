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
            kind: YamlErrorKind::Parse,
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
