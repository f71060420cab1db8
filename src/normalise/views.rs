//! Profile views of a Spring application, and values materialised with where they
//! came from.
//!
//! The Spring documents of one directory are one application's configuration
//! (Spring Boot reads `application*` and `bootstrap*` files of one location
//! together). Documents without a profile form the default layer; documents of a
//! profile (`application-prod.yml`, or a document with
//! `spring.config.activate.on-profile: prod`) form that profile's layer. A
//! document's view is the default layer, plus its profile's layer when it has one,
//! ordered by precedence: `bootstrap*` before `application*`, YAML before
//! `.properties`, earlier documents of a file before later ones; the later wins.
//!
//! Counting: a subject (an instance, a Feign client, a route list) is judged in the
//! document that writes it, in that document's view; when several documents of one
//! layer write it (`application.yml` and `application.properties`), only the one
//! that wins counts it. So an instance the default layer defines counts once, and once
//! more in each profile that overrides it: the profile's view is a different running
//! configuration, which may be right where the default is wrong.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Span, Value};

/// One document's view of its application.
pub struct View<'a> {
    /// The view's documents, lowest precedence first.
    pub docs: Vec<&'a Document>,
    /// Position in `docs` of the document being normalised.
    pub me: usize,
    /// Positions in `docs` of the documents of its own layer.
    pub layer: Vec<usize>,
    pub files: &'a [SourceFile],
    /// Key indexes of large mappings (by address), so that looking up each of many
    /// instances stays linear overall.
    index: Index<'a>,
}

/// Shared between the views of one application: its documents are the same.
type Index<'a> = Rc<RefCell<HashMap<usize, HashMap<&'a str, (&'a Node, &'a Node)>>>>;

/// Mappings with more entries than this are indexed on first lookup.
const INDEX_FROM: usize = 16;

/// A value found in a view: its document, key and node.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    pub doc: &'a Document,
    pub key: Option<&'a Node>,
    pub node: &'a Node,
}

/// The key and value at `path` below `root`.
pub fn at<'a>(root: &'a Node, path: &[&str]) -> Option<(Option<&'a Node>, &'a Node)> {
    let mut key = None;
    let mut node = root;
    for k in path {
        let (kn, v) = node.entry(k)?;
        key = Some(kn);
        node = v;
    }
    Some((key, node))
}

impl<'a> View<'a> {
    /// A view of one document only.
    fn alone(doc: &'a Document, files: &'a [SourceFile], index: Index<'a>) -> Self {
        View {
            docs: vec![doc],
            me: 0,
            layer: vec![0],
            files,
            index,
        }
    }

    pub fn me(&self) -> &'a Document {
        self.docs[self.me]
    }

    /// [`at`], with large mappings looked up through an index.
    pub fn at(&self, root: &'a Node, path: &[&str]) -> Option<(Option<&'a Node>, &'a Node)> {
        let mut key = None;
        let mut node = root;
        for k in path {
            let (kn, v) = match node.as_map() {
                Some(entries) if entries.len() > INDEX_FROM => {
                    let addr = node as *const Node as usize;
                    let mut index = self.index.borrow_mut();
                    let map = index.entry(addr).or_insert_with(|| {
                        let mut m = HashMap::with_capacity(entries.len());
                        for (k, v) in entries {
                            if let Some(name) = k.as_str() {
                                m.entry(name).or_insert((k, v));
                            }
                        }
                        m
                    });
                    *map.get(k)?
                }
                _ => node.entry(k)?,
            };
            key = Some(kn);
            node = v;
        }
        Some((key, node))
    }

    /// The value at `path` in the document of highest precedence that has it.
    pub fn lookup(&self, path: &[&str]) -> Option<Found<'a>> {
        self.docs.iter().rev().find_map(|doc| {
            self.at(&doc.root, path)
                .map(|(key, node)| Found { doc, key, node })
        })
    }

    /// Whether this document writes `path` and no document above it in its layer does.
    pub fn owns(&self, path: &[&str]) -> bool {
        self.at(&self.me().root, path).is_some()
            && !self
                .layer
                .iter()
                .any(|&i| i > self.me && self.at(&self.docs[i].root, path).is_some())
    }

    /// Where a found value is written, for messages: `line 12` in the same file,
    /// else `application.yml:12`.
    pub fn place(&self, found: &Found) -> String {
        let file = &self.files[found.doc.file];
        let span = found.key.map_or(found.node.span, |k| k.span);
        let line = file.line_col(span.start).line;
        if found.doc.file == self.me().file {
            format!("line {line}")
        } else {
            format!("{}:{line}", file.display)
        }
    }
}

/// The profile a document belongs to: from its file name (`application-prod.yml`)
/// and from `spring.config.activate.on-profile` (or the older `spring.profiles`).
pub fn profile(doc: &Document, file: &SourceFile) -> Option<String> {
    let stem = file.path.file_stem()?.to_str()?;
    let from_name = ["application-", "bootstrap-"]
        .iter()
        .find_map(|p| stem.strip_prefix(p))
        .map(str::to_string);
    // `spring.profiles` is the older spelling only as a name or list; as a mapping it
    // holds `active`, `include` or `group`, which do not make a profile document.
    let legacy = at(&doc.root, &["spring", "profiles"]).filter(|(_, n)| n.as_map().is_none());
    let activate = at(&doc.root, &["spring", "config", "activate", "on-profile"])
        .or(legacy)
        .map(|(_, n)| scalar_list(n))
        .filter(|l| !l.is_empty());
    match (from_name, activate) {
        (Some(a), Some(b)) => Some(format!("{a}&{b}")),
        (a, b) => a.or(b),
    }
}

fn scalar_list(node: &Node) -> String {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(Node::as_str)
            .collect::<Vec<_>>()
            .join(","),
        _ => node.as_str().unwrap_or_default().to_string(),
    }
}

/// The precedence of a document within its directory (ascending): `bootstrap*`
/// first, then the default profile, then profile documents; YAML before `.properties`.
fn precedence(doc: &Document, file: &SourceFile, profiled: bool) -> Precedence {
    let name = file
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    (
        !name.starts_with("bootstrap"),
        profiled,
        name.ends_with(".properties"),
        file.display.clone(),
        doc.index,
    )
}

type Precedence = (bool, bool, bool, String, usize);

/// Most Spring documents one directory may hold for its profile views to be built.
/// A view holds every document of its layers and each lookup scans them, so views
/// cost documents² in time and memory: a 2 MB file of 40,000 `---` documents took
/// 24 GB. Real applications have a handful; above this, each document is its own view.
pub const MAX_APPLICATION_DOCUMENTS: usize = 256;

/// The view of every document in `spring` (indices into `docs`), grouped by directory.
/// A directory with more than [`MAX_APPLICATION_DOCUMENTS`] documents is a `limit`
/// error in `errors`, and its documents are normalised each on its own.
pub fn views<'a>(
    docs: &'a [Document],
    spring: &[usize],
    files: &'a [SourceFile],
    errors: &mut Vec<crate::report::FileError>,
) -> Vec<(usize, View<'a>)> {
    // directory -> [(precedence, profile, doc index)]
    type Entry = (Precedence, Option<String>, usize);
    let mut groups: BTreeMap<PathBuf, Vec<Entry>> = BTreeMap::new();
    for &i in spring {
        let file = &files[docs[i].file];
        let dir = file.path.parent().map(PathBuf::from).unwrap_or_default();
        let label = profile(&docs[i], file);
        let prec = precedence(&docs[i], file, label.is_some());
        groups.entry(dir).or_default().push((prec, label, i));
    }
    let mut out = Vec::new();
    for (dir, mut group) in groups {
        group.sort();
        let index: Index = Rc::default();
        if group.len() > MAX_APPLICATION_DOCUMENTS {
            let first = &files[docs[group[0].2].file];
            errors.push(first.error(
                Some(docs[group[0].2].root.span.start),
                crate::report::ErrorKind::Limit,
                format!(
                    "{} Spring documents in `{}`, more than {MAX_APPLICATION_DOCUMENTS}: profile \
                     views are not built, and each document is normalised on its own (no \
                     inheritance across documents)",
                    group.len(),
                    dir.display()
                ),
            ));
            for (_, _, i) in &group {
                out.push((*i, View::alone(&docs[*i], files, Rc::clone(&index))));
            }
            continue;
        }
        for (_, label, i) in &group {
            let members: Vec<&Entry> = group
                .iter()
                .filter(|(_, l, _)| l.is_none() || l == label)
                .collect();
            let me = members.iter().position(|(_, _, j)| j == i).unwrap_or(0);
            let layer = members
                .iter()
                .enumerate()
                .filter(|(_, (_, l, _))| l == label)
                .map(|(p, _)| p)
                .collect();
            out.push((
                *i,
                View {
                    docs: members.iter().map(|(_, _, j)| &docs[*j]).collect(),
                    me,
                    layer,
                    files,
                    index: Rc::clone(&index),
                },
            ));
        }
    }
    out
}

/// A copy of `node` whose every span is `span`: a value written elsewhere, shown at
/// the subject that inherits it.
pub fn respan(node: &Node, span: Span) -> Node {
    let value = match &node.value {
        Value::Scalar(_) => node.value.clone(),
        Value::Seq(items) => Value::Seq(items.iter().map(|n| respan(n, span)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (respan(k, span), respan(v, span)))
                .collect(),
        ),
    };
    Node { value, span }
}

/// A mapping materialised key by key: the first source to give a key wins, and each
/// key remembers where it came from (`origin.<key>` in the result).
pub struct Materialised {
    /// Where inherited values are shown: the subject's key.
    span: Span,
    entries: Vec<(Node, Node)>,
    origins: Vec<(String, String)>,
    /// Keys set so far (a subject may have many: no quadratic scans).
    seen: HashSet<String>,
}

impl Materialised {
    pub fn new(span: Span) -> Self {
        Materialised {
            span,
            entries: Vec::new(),
            origins: Vec::new(),
            seen: HashSet::new(),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.seen.contains(key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Keys of the item at `path` in every document of the view, highest first.
    /// Values this document writes keep their position; others are shown at the subject.
    pub fn take_item(&mut self, view: &View, path: &[&str]) {
        for (pos, doc) in view.docs.iter().enumerate().rev() {
            let Some((
                _,
                Node {
                    value: Value::Map(map),
                    ..
                },
            )) = view.at(&doc.root, path)
            else {
                continue;
            };
            for (k, v) in map {
                let Some(name) = k.as_str().filter(|n| !self.has(n)) else {
                    continue;
                };
                if pos == view.me {
                    self.push(k.clone(), v.clone(), "set here".into());
                } else {
                    let found = Found {
                        doc,
                        key: Some(k),
                        node: v,
                    };
                    let origin = format!("set at {}", view.place(&found));
                    self.push(
                        Node::scalar(name, false, self.span),
                        respan(v, self.span),
                        origin,
                    );
                }
            }
        }
    }

    /// Keys of the mapping at `path` not set yet, inherited from `label`.
    /// Returns where the view has that mapping (`configs.x at line 4`), if anywhere.
    pub fn inherit(
        &mut self,
        view: &View,
        path: &[&str],
        label: &str,
        skip: &[&str],
    ) -> Option<String> {
        let mut first = None;
        for doc in view.docs.iter().rev() {
            let Some((key, node)) = view.at(&doc.root, path) else {
                continue;
            };
            let place = view.place(&Found { doc, key, node });
            first.get_or_insert_with(|| format!("{label} at {place}"));
            for (k, v) in node.as_map().unwrap_or_default() {
                let Some(name) = k.as_str().filter(|n| !self.has(n) && !skip.contains(n)) else {
                    continue;
                };
                let origin = format!("inherited from {label} at {place}");
                self.push(
                    Node::scalar(name, false, self.span),
                    respan(v, self.span),
                    origin,
                );
            }
        }
        first
    }

    /// One value inherited from `found`, under `key`, when not set yet.
    pub fn inherit_value(&mut self, view: &View, key: &str, found: &Found, label: &str) {
        if !self.has(key) {
            let origin = format!("inherited from {label} at {}", view.place(found));
            self.push(
                Node::scalar(key, false, self.span),
                respan(found.node, self.span),
                origin,
            );
        }
    }

    /// Library defaults for the keys still unset.
    pub fn defaults(&mut self, defaults: &[(&str, &str)]) {
        self.defaults_noting(defaults, &[]);
    }

    /// Library defaults for the keys still unset, naming the configs that were looked
    /// at and did not set them (`library default: not set in configs.shared at line 4`).
    pub fn defaults_noting(&mut self, defaults: &[(&str, &str)], looked_at: &[String]) {
        let origin = if looked_at.is_empty() {
            "library default".to_string()
        } else {
            format!("library default: not set in {}", looked_at.join(" or "))
        };
        for (k, v) in defaults {
            if !self.has(k) {
                self.push(
                    Node::scalar(*k, false, self.span),
                    Node::scalar(*v, false, self.span),
                    origin.clone(),
                );
            }
        }
    }

    /// A derived value (`name`, `circuit-breaker`), shown at the subject.
    pub fn derived(&mut self, key: &str, value: &str) {
        self.entries.push((
            Node::scalar(key, false, self.span),
            Node::scalar(value, false, self.span),
        ));
    }

    /// A value the subject writes itself, at its own position.
    pub fn own(&mut self, key: Node, value: Node) {
        self.push(key, value, "set here".into());
    }

    /// The mapping without `origin`, and the origins, for a mapping nested in a subject.
    pub fn into_parts(self, span: Span) -> (Node, Vec<(String, String)>) {
        let node = Node {
            value: Value::Map(self.entries),
            span,
        };
        (node, self.origins)
    }

    /// Origins of a nested mapping's keys, recorded on this subject.
    pub fn absorb_origins(&mut self, origins: Vec<(String, String)>) {
        self.origins.extend(origins);
    }

    fn push(&mut self, key: Node, value: Node, origin: String) {
        if let Some(name) = key.as_str() {
            self.seen.insert(name.to_string());
            self.origins.push((name.to_string(), origin));
        }
        self.entries.push((key, value));
    }

    /// The mapping, with `origin` holding where each materialised key came from.
    pub fn finish(mut self, span: Span) -> Node {
        let origins = self
            .origins
            .into_iter()
            .map(|(k, o)| {
                (
                    Node::scalar(k, false, self.span),
                    Node::scalar(o, true, self.span),
                )
            })
            .collect();
        self.entries.push((
            Node::scalar("origin", false, self.span),
            Node {
                value: Value::Map(origins),
                span: self.span,
            },
        ));
        Node {
            value: Value::Map(self.entries),
            span,
        }
    }
}

/// Replaces (or adds) the value at `path` below `root`, creating mappings on the way.
pub fn set(root: &mut Node, path: &[&str], value: Node) {
    let Some((first, rest)) = path.split_first() else {
        *root = value;
        return;
    };
    if !matches!(root.value, Value::Map(_)) {
        root.value = Value::Map(Vec::new());
    }
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    let at = match entries.iter().position(|(k, _)| k.as_str() == Some(first)) {
        Some(i) => i,
        None => {
            let span = Span::new(value.span.start, value.span.start);
            entries.push((
                Node::scalar(*first, false, span),
                Node {
                    value: Value::Map(Vec::new()),
                    span,
                },
            ));
            entries.len() - 1
        }
    };
    set(&mut entries[at].1, rest, value);
}
