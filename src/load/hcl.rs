//! Consul config entries written in HCL (`Kind = "service-router"`) to the positioned
//! tree, through `hcl-edit`, which keeps the byte span of every expression.
//!
//! Consul reads config entries with HCL 1, whose objects may hold nested blocks
//! (`Routes = [{ Match { HTTP { ... } } }]`); HCL 2 allows blocks only in bodies. A
//! pre-pass rewrites each `Name {` that starts an item into `Name = {` (the same
//! value in HCL 2) and remembers where it inserted text, so every span maps back to
//! the file as written. Blocks and attributes become map entries; a key written
//! twice (HCL 1's repeated blocks) becomes a list of its values.
//!
//! A `.hcl` file that is not a Consul config entry (Terraform, Packer, Nomad, Vault)
//! is not resilint's: it loads no document and no error. Only a config entry that
//! fails to parse is an `errors` entry, at its position.

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use super::{Document, LoadedConfig};
use crate::classify::classify;
use crate::report::ErrorKind;
use crate::source::SourceFile;
use crate::tree::{Node, Span, Value};

/// Config entry kinds whose files resilint reads (as Consul spells them in `Kind`).
pub const KINDS: &[&str] = &[
    "service-router",
    "service-resolver",
    "service-defaults",
    "proxy-defaults",
    "service-splitter",
];

/// Loads an HCL file: a Consul config entry becomes one document.
pub fn load(file: usize, source: &SourceFile) -> LoadedConfig {
    if !is_config_entry(&source.text) {
        return LoadedConfig::default();
    }
    let (text, shifts) = hcl1_items(&source.text);
    let back = |offset: usize| original(&shifts, offset);
    match hcl_edit::parser::parse_body(&text) {
        Ok(body) => {
            let root = body_node(&body, Span::new(0, source.text.len()), &back, &text);
            LoadedConfig {
                docs: vec![Document {
                    file,
                    index: 0,
                    meta: classify(&root),
                    root,
                }],
                errors: Vec::new(),
            }
        }
        Err(e) => {
            let offset = back(e.location().offset());
            let message = e.message().to_string();
            LoadedConfig {
                docs: Vec::new(),
                errors: vec![source.error(
                    Some(offset.min(source.text.len())),
                    ErrorKind::Parse,
                    format!("HCL: {message}"),
                )],
            }
        }
    }
}

/// Whether the text holds a top-level `Kind = "<consul kind>"` (or `kind`), written at
/// the start of a line: one indented inside a block (a Terraform
/// `consul_config_entry` resource) is another tool's.
pub fn is_config_entry(text: &str) -> bool {
    text.lines().any(|line| {
        let Some(rest) = line
            .strip_prefix("Kind")
            .or_else(|| line.strip_prefix("kind"))
        else {
            return false;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            return false;
        };
        let value = value.trim().trim_matches('"');
        KINDS.contains(&value)
    })
}

/// Rewrites HCL 1 nested blocks into HCL 2 object attributes; returns the new text
/// and the positions (in the new text) where `= ` was inserted.
fn hcl1_items(text: &str) -> (String, Vec<usize>) {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(text.len() + 64);
    let mut shifts = Vec::new();
    let mut i = 0;
    // The last significant byte before the current token (b'\n' at a line start).
    let mut prev = b'\n';
    while i < bytes.len() {
        let c = bytes[i];
        let skip_to = match c {
            b'"' => Some(string_end(bytes, i)),
            b'#' => Some(line_end(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'/') => Some(line_end(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'*') => Some(
                text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2),
            ),
            b'<' if bytes.get(i + 1) == Some(&b'<') => Some(heredoc_end(text, i)),
            _ => None,
        };
        if let Some(end) = skip_to {
            out.extend_from_slice(&bytes[i..end]);
            if c == b'"' || c == b'<' {
                prev = b'"';
            }
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-'))
            {
                i += 1;
            }
            out.extend_from_slice(&bytes[start..i]);
            let mut j = i;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t') {
                j += 1;
            }
            if bytes.get(j) == Some(&b'{') && matches!(prev, b'\n' | b'{' | b',' | b'[') {
                out.extend_from_slice(&bytes[i..j]);
                shifts.push(out.len());
                out.extend_from_slice(b"= ");
                i = j;
            }
            prev = b'a';
            continue;
        }
        if !matches!(c, b' ' | b'\t' | b'\r') {
            prev = c;
        }
        out.push(c);
        i += 1;
    }
    // Only ASCII was inserted, between whole tokens: the bytes stay valid UTF-8.
    match String::from_utf8(out) {
        Ok(rewritten) => (rewritten, shifts),
        Err(_) => (text.to_string(), Vec::new()),
    }
}

fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn line_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p)
}

/// End of a heredoc starting at `<<` (or `<<-`): the line holding only its marker.
fn heredoc_end(text: &str, start: usize) -> usize {
    let line_stop = line_end(text.as_bytes(), start);
    let marker = text[start + 2..line_stop].trim_start_matches('-').trim();
    if marker.is_empty() || !marker.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return start + 2;
    }
    let mut pos = line_stop;
    while pos < text.len() {
        let next = line_end(text.as_bytes(), pos + 1);
        if text[pos + 1..next].trim() == marker {
            return next;
        }
        pos = next;
    }
    text.len()
}

/// An offset in the rewritten text as an offset in the original.
fn original(shifts: &[usize], offset: usize) -> usize {
    let before = shifts.partition_point(|&s| s < offset);
    let inside = shifts
        .get(before)
        .is_some_and(|&s| offset > s && offset < s + 2);
    offset.saturating_sub(before * 2) - usize::from(inside)
}

type Back<'a> = dyn Fn(usize) -> usize + 'a;

fn span_of(range: Option<std::ops::Range<usize>>, back: &Back, fallback: Span) -> Span {
    range.map_or(fallback, |r| Span::new(back(r.start), back(r.end)))
}

fn body_node(body: &Body, span: Span, back: &Back, text: &str) -> Node {
    let mut entries: Vec<(Node, Node)> = Vec::new();
    for structure in body.iter() {
        let (key, value) = match structure {
            Structure::Attribute(a) => {
                let key_span = span_of(a.key.span(), back, span);
                let value = expr_node(&a.value, back, text, key_span);
                (Node::scalar(a.key.as_str(), false, key_span), value)
            }
            Structure::Block(b) => {
                let key_span = span_of(b.ident.span(), back, span);
                let whole = span_of(b.span(), back, key_span);
                let mut value = body_node(&b.body, whole, back, text);
                for label in b.labels.iter().rev() {
                    let name =
                        Node::scalar(label.as_str(), true, span_of(label.span(), back, key_span));
                    value = Node {
                        span: whole,
                        value: Value::Map(vec![(name, value)]),
                    };
                }
                (Node::scalar(b.ident.as_str(), false, key_span), value)
            }
        };
        insert(&mut entries, key, value);
    }
    Node {
        value: Value::Map(entries),
        span,
    }
}

/// Adds an entry; a key written again turns its value into a list of the values.
fn insert(entries: &mut Vec<(Node, Node)>, key: Node, value: Node) {
    let Some((_, existing)) = entries.iter_mut().find(|(k, _)| k.as_str() == key.as_str()) else {
        entries.push((key, value));
        return;
    };
    let span = Span::new(existing.span.start, value.span.end);
    match &mut existing.value {
        Value::Seq(items) if existing.span.start != value.span.start => items.push(value),
        _ => {
            let first = std::mem::replace(existing, Node::scalar("", false, span));
            *existing = Node {
                value: Value::Seq(vec![first, value]),
                span,
            };
        }
    }
    existing.span = span;
}

fn expr_node(expr: &Expression, back: &Back, text: &str, fallback: Span) -> Node {
    let span = span_of(expr.span(), back, fallback);
    let value = match expr {
        Expression::Null(_) => return Node::scalar("null", false, span),
        Expression::Bool(b) => return Node::scalar(b.value().to_string(), false, span),
        Expression::Number(n) => return Node::scalar(n.value().to_string(), false, span),
        Expression::String(s) => return Node::scalar(s.value().as_str(), true, span),
        Expression::Array(items) => Value::Seq(
            items
                .iter()
                .map(|e| expr_node(e, back, text, span))
                .collect(),
        ),
        Expression::Object(object) => {
            let mut entries = Vec::new();
            for (k, v) in object.iter() {
                let key_span = span_of(k.span(), back, span);
                let name = match k {
                    ObjectKey::Ident(id) => id.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(e) => source_text(e, text),
                };
                let value = expr_node(v.expr(), back, text, key_span);
                insert(&mut entries, Node::scalar(name, false, key_span), value);
            }
            Value::Map(entries)
        }
        // Templates, references and calls: kept as written, never resolved.
        other => return Node::scalar(source_text(other, text), true, span),
    };
    Node { value, span }
}

/// An expression's text as written (in the rewritten text).
fn source_text(expr: &Expression, text: &str) -> String {
    expr.span()
        .and_then(|r| text.get(r))
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{hcl1_items, is_config_entry, load, original};
    use crate::source::SourceFile;

    #[test]
    fn nested_blocks_in_objects_become_attributes_and_spans_map_back() {
        let text = "Kind = \"service-router\"\nRoutes = [\n  {\n    Match {\n      HTTP {\n        Methods = [\"POST\"]\n      }\n    }\n  }\n]\n";
        let (rewritten, shifts) = hcl1_items(text);
        assert!(rewritten.contains("Match = {"), "{rewritten}");
        assert_eq!(shifts.len(), 2);
        let at = rewritten.find("Methods").unwrap();
        assert_eq!(original(&shifts, at), text.find("Methods").unwrap());
        let source = SourceFile::new("r.hcl".into(), "r.hcl".into(), text.into());
        let loaded = load(0, &source);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let root = &loaded.docs[0].root;
        let routes = root.get("Routes").unwrap().as_seq().unwrap();
        let methods = routes[0]
            .get("Match")
            .unwrap()
            .get("HTTP")
            .unwrap()
            .get("Methods")
            .unwrap();
        let post = &methods.as_seq().unwrap()[0];
        assert_eq!(post.as_str(), Some("POST"));
        assert_eq!(&text[post.span.start..post.span.end], "\"POST\"");
    }

    #[test]
    fn other_hcl_is_not_a_config_entry_and_broken_entries_are_errors() {
        assert!(!is_config_entry(
            "resource \"aws_instance\" \"web\" {\n  ami = \"x\"\n}\n"
        ));
        assert!(!is_config_entry(
            "resource \"consul_config_entry\" \"r\" {\n  kind = \"service-router\"\n}\n"
        ));
        let text = "Kind = \"service-defaults\"\nName = \"web\"\nUpstreamConfig {\n";
        let source = SourceFile::new("d.hcl".into(), "d.hcl".into(), text.into());
        let loaded = load(0, &source);
        assert!(loaded.docs.is_empty());
        assert_eq!(loaded.errors.len(), 1);
        assert!(loaded.errors[0].line.is_some());
    }
}
