//! Positioned trees from saphyr events: one document at a time, with anchors,
//! aliases and merge keys expanded under a budget of the bytes actually copied, and
//! duplicate keys resolved the way Kubernetes does (the last one wins).
//!
//! Every copy is paid for when it is made, from sizes kept up to date as nodes are
//! built (never by walking a subtree): registering an anchor copies its node once,
//! each alias copies it again, merge keys move what their aliases copied. A
//! document that would grow past the budget, nest too deep or name an unknown
//! anchor is dropped alone, as an error; the other documents of the file load.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, ScalarStyle};

use crate::tree::{Node, Span, Value};

/// Deepest nesting accepted; real configuration stays far below it.
pub const MAX_DEPTH: usize = 256;
/// Most bytes (of nodes and their text) a document may copy through anchors,
/// aliases and merge keys: generous for real reuse, far below the memory an alias
/// bomb would take.
pub const MAX_EXPANSION: usize = 64 << 20;

/// What one node costs in the budget, besides its text.
const NODE_COST: usize = std::mem::size_of::<Node>() + std::mem::size_of::<(Node, Node)>() / 2;

/// Most bytes the trees of one file's documents may take, everything built counted
/// (nodes, their text, alias copies, a fixed [`DOC_COST`] per document): the
/// expansion budget bounds copies, this bounds plain size, so that no file under
/// `max-file-size` can take more than a few hundred megabytes however its bytes
/// are spent (10 MB of `[a,a,...]` is 5 million nodes; 10 MB of `---\na: b\n`, a
/// million documents). Real configuration takes a fraction of it: about 50 MB for
/// 10 MB of Kubernetes manifests.
pub const MAX_TREE: usize = 128 << 20;

/// What a document costs in the tree budget besides its nodes: its place in the
/// run's document list, its classification and what the later stages keep per document.
const DOC_COST: usize = 512;

/// Why a document was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Invalid YAML (an unknown anchor).
    Parse,
    /// A limit: nesting depth or expansion budget.
    Limit,
}

/// A dropped document: where and why (offset is relative to the parsed slice).
#[derive(Debug, Clone)]
pub struct DocFailure {
    pub kind: Failure,
    pub offset: usize,
    pub message: String,
}

/// A key written twice in one mapping; the later one is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    /// Byte offset of the key that was dropped (the earlier one).
    pub dropped: usize,
    /// Byte offset of the key that wins (the later one).
    pub kept: usize,
}

/// A completed document.
#[derive(Debug)]
pub struct Built {
    pub root: Node,
    pub duplicates: Vec<Duplicate>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
        cost: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        anchor: usize,
        flow: bool,
        cost: usize,
    },
}

/// Builds the documents of one event stream.
#[derive(Default)]
pub struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    budget: usize,
    duplicates: Vec<Duplicate>,
    /// The current document failed: its remaining events are skipped.
    failed: bool,
    /// Bytes of the file's trees built so far, against [`MAX_TREE`].
    tree_spent: usize,
    /// [`MAX_TREE`] was reached: the rest of the file is not loaded.
    exhausted: bool,
}

/// The outcome of one event for the document being built.
pub enum Step {
    Continue,
    /// The document ended with a (non-null) root.
    Done(Built),
    /// The document ended empty (only comments, or `~`).
    Empty,
    /// The document is dropped; its remaining events are skipped.
    Failed(DocFailure),
}

impl Builder {
    /// Starts a document: anchors do not cross documents, nor does the budget.
    pub fn start_document(&mut self) {
        self.stack.clear();
        self.anchors.clear();
        self.duplicates.clear();
        self.budget = MAX_EXPANSION;
        self.failed = false;
        self.tree_spent = self.tree_spent.saturating_add(DOC_COST);
    }

    /// Whether the file's tree budget ([`MAX_TREE`]) ran out: loading stops there.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Pays `cost` bytes of tree from the file's budget.
    fn grow(&mut self, cost: usize, offset: usize) -> Result<(), DocFailure> {
        self.tree_spent = self.tree_spent.saturating_add(cost);
        if self.tree_spent > MAX_TREE {
            self.exhausted = true;
            return Err(limit(
                offset,
                format!(
                    "the file's documents take more than {} MiB as trees: this document \
                     and the rest of the file are not loaded",
                    MAX_TREE >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Whether the current document has been dropped already.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Takes one event; `span` is its byte range and `text` the parsed text.
    pub fn on_event(&mut self, event: Event<'_>, span: Span, text: &str) -> Step {
        if self.failed {
            return Step::Continue;
        }
        match self.event(event, span, text) {
            Ok(step) => step,
            Err(failure) => {
                self.failed = true;
                self.stack.clear();
                self.anchors.clear();
                Step::Failed(failure)
            }
        }
    }

    fn event(&mut self, event: Event<'_>, sp: Span, text: &str) -> Result<Step, DocFailure> {
        match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let cost = NODE_COST + value.len();
                self.grow(std::mem::size_of::<Node>() + value.len(), sp.start)?;
                self.finish(Node::scalar_cow(value, quoted, sp), cost, anchor)
            }
            Event::Alias(id) => {
                let Some(&(_, cost)) = self.anchors.get(&id) else {
                    return Err(DocFailure {
                        kind: Failure::Parse,
                        offset: sp.start,
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
                self.spend(cost, sp.start)?;
                self.grow(cost, sp.start)?;
                let node = self.anchors[&id].0.clone();
                self.finish(node, cost, 0)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(limit(
                        sp.start,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
                self.grow(std::mem::size_of::<Node>(), sp.start)?;
                let flow = matches!(text.as_bytes().get(sp.start), Some(b'[' | b'{'));
                let (start, cost) = (sp.start, NODE_COST);
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            start,
                            anchor,
                            flow,
                            cost,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            key: None,
                            start,
                            anchor,
                            flow,
                            cost,
                        }
                    });
                Ok(Step::Continue)
            }
            Event::SequenceEnd | Event::MappingEnd => self.end_collection(sp),
            _ => Ok(Step::Continue),
        }
    }

    fn end_collection(&mut self, sp: Span) -> Result<Step, DocFailure> {
        let Some(frame) = self.stack.pop() else {
            return Ok(Step::Continue);
        };
        let (value, start, anchor, flow, last_end, cost) = match frame {
            Frame::Seq {
                mut items,
                start,
                anchor,
                flow,
                cost,
            } => {
                items.shrink_to_fit();
                let last = items.last().map(|n| n.span.end);
                (Value::Seq(items), start, anchor, flow, last, cost)
            }
            Frame::Map {
                entries,
                start,
                anchor,
                flow,
                cost,
                ..
            } => {
                let last = entries.last().map(|(_, v)| v.span.end);
                let mut entries = self.resolve_keys(entries);
                entries.shrink_to_fit();
                (Value::Map(entries), start, anchor, flow, last, cost)
            }
        };
        let end = if flow {
            sp.end.max(start + 1)
        } else {
            last_end.unwrap_or(start)
        };
        let node = Node {
            value,
            span: Span::new(start, end.max(start)),
        };
        self.finish(node, cost, anchor)
    }

    fn spend(&mut self, cost: usize, offset: usize) -> Result<(), DocFailure> {
        if cost > self.budget {
            return Err(limit(
                offset,
                format!(
                    "anchors, aliases and merge keys copy more than {} MiB",
                    MAX_EXPANSION >> 20
                ),
            ));
        }
        self.budget -= cost;
        Ok(())
    }

    /// Places a completed node into its parent, or ends the document.
    fn finish(&mut self, node: Node, cost: usize, anchor: usize) -> Result<Step, DocFailure> {
        if anchor != 0 {
            // The anchor keeps a copy for its aliases: that copy is paid for too.
            self.spend(cost, node.span.start)?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        match self.stack.last_mut() {
            None if node.is_null() => return Ok(Step::Empty),
            None => {
                return Ok(Step::Done(Built {
                    root: node,
                    duplicates: std::mem::take(&mut self.duplicates),
                }))
            }
            Some(Frame::Seq {
                items, cost: total, ..
            }) => {
                items.push(node);
                *total += cost;
            }
            Some(Frame::Map {
                entries,
                key,
                cost: total,
                ..
            }) => {
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
                *total += cost;
            }
        }
        Ok(Step::Continue)
    }

    /// Resolves a mapping's keys: a key written twice keeps its last value (as
    /// Kubernetes and JSON parsers do) and is recorded; then YAML merge keys
    /// (`<<: *base`) fill in the keys not written explicitly, the first source
    /// that has a key winning. Linear in the entries, whatever their number.
    fn resolve_keys(&mut self, entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
        let is_merge =
            |k: &Node| matches!(&k.value, Value::Scalar(s) if !s.quoted && &*s.text == "<<");
        let (merges, own): (Vec<_>, Vec<_>) = if entries.iter().any(|(k, _)| is_merge(k)) {
            entries.into_iter().partition(|(k, _)| is_merge(k))
        } else {
            (Vec::new(), entries)
        };
        let mut own = self.last_key_wins(own);
        if merges.is_empty() {
            return own;
        }
        let mut seen: HashSet<String> = own
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect();
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
                    let fresh = match k.as_str() {
                        Some(name) => seen.insert(name.to_owned()),
                        None => true,
                    };
                    if fresh {
                        own.push((k, v));
                    }
                }
            }
        }
        own
    }

    /// Drops every entry whose key is written again later in the same mapping.
    fn last_key_wins(&mut self, entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
        let dropped = duplicate_pairs(&entries);
        if dropped.is_empty() {
            return entries;
        }
        let mut keep = vec![true; entries.len()];
        for &(earlier, later) in &dropped {
            keep[earlier] = false;
            self.duplicates.push(Duplicate {
                key: entries[later].0.as_str().unwrap_or_default().to_owned(),
                dropped: entries[earlier].0.span.start,
                kept: entries[later].0.span.start,
            });
        }
        entries
            .into_iter()
            .zip(keep)
            .filter_map(|(e, k)| k.then_some(e))
            .collect()
    }
}

/// (earlier, later) index pairs of entries with the same key, each earlier index
/// once: a pairwise look for the small mappings real files are made of, a hash map
/// past a handful of keys.
fn duplicate_pairs(entries: &[(Node, Node)]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    if entries.len() <= 8 {
        for (i, (k, _)) in entries.iter().enumerate() {
            let Some(name) = k.as_str() else { continue };
            let later = entries[i + 1..]
                .iter()
                .position(|(other, _)| other.as_str() == Some(name));
            if let Some(j) = later {
                pairs.push((i, i + 1 + j));
            }
        }
        return pairs;
    }
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (i, (k, _)) in entries.iter().enumerate() {
        if let Some(earlier) = k.as_str().and_then(|name| last.insert(name, i)) {
            pairs.push((earlier, i));
        }
    }
    pairs
}

fn limit(offset: usize, message: String) -> DocFailure {
    DocFailure {
        kind: Failure::Limit,
        offset,
        message,
    }
}
