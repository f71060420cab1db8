//! Structural identity of a judged subject, and the fingerprints built from it.
//!
//! A baseline entry and a SARIF `partialFingerprints` value must survive lines
//! inserted above a finding and a reformatted file, so neither may hold a line
//! number. They are keyed instead on what the subject *is*:
//!
//! - the document: `kind/namespace/name` for Kubernetes-style objects, else the
//!   platform and the document's position in its file (`spring#0`, `rust#0`);
//! - the path inside it, with each list index replaced by the item's `name` when it
//!   has one (`spec.http[name=reviews-v2]`), so reordering named routes keeps them;
//! - for facts extracted from code (`clients[..]`, `calls[..]`, `routes[..]`), the
//!   enclosing function's name and the construct's own source text with all
//!   whitespace removed (`fn client/reqwest::Client::new()`), so reformatting keeps
//!   it too. The enclosing function is the nearest `fn NAME` written before the
//!   construct: what matters is that it is stable, and it separates the same call
//!   made in two functions without counting them.
//!
//! Two findings of one rule with the same identity in one file are told apart by
//! their order ([`disambiguate`]): the second gets `#2`.

use sha2::{Digest, Sha256};

use crate::classify::{DocMeta, Platform};
use crate::report::Finding;
use crate::source::SourceFile;
use crate::tree::Node;

/// Longest construct text kept in an identity; longer text is cut (then hashed anyway).
const MAX_TEXT: usize = 160;

/// The identity of the document a subject belongs to.
pub fn document(meta: &DocMeta, index: usize) -> String {
    match &meta.kind {
        Some(kind) => {
            let name = meta.name.clone().unwrap_or_else(|| format!("#{index}"));
            format!("{kind}/{}/{name}", meta.namespace.as_deref().unwrap_or("-"))
        }
        None => format!("{}#{index}", meta.platform.name()),
    }
}

/// The identity of the subject reached from `root` by `concrete` (`spec.http[2]`).
pub fn subject(
    meta: &DocMeta,
    index: usize,
    root: &Node,
    concrete: &str,
    file: &SourceFile,
) -> String {
    let code = matches!(meta.platform, Platform::Rust | Platform::Cross);
    format!(
        "{} {}",
        document(meta, index),
        path(root, concrete, code, file)
    )
}

/// `concrete` with each `[i]` replaced by a stable name for the item, when there is one.
fn path(root: &Node, concrete: &str, code: bool, file: &SourceFile) -> String {
    let mut out = String::with_capacity(concrete.len() + 16);
    let mut node = Some(root);
    let mut rest = concrete;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else {
                out.push_str(rest);
                break;
            };
            let index = &after[..close];
            rest = &after[close + 1..];
            let item = node
                .and_then(Node::as_seq)
                .zip(index.parse::<usize>().ok())
                .and_then(|(items, i)| items.get(i));
            out.push('[');
            out.push_str(&item_name(item, code, file).unwrap_or_else(|| index.to_string()));
            out.push(']');
            node = item;
        } else if !rest.contains('[') {
            // No list item below: the keys are the identity as written, and walking
            // them would scan every map on the way (50,000 instances in one map made
            // each finding's identity a linear search).
            out.push_str(rest);
            break;
        } else {
            let rest_key = rest.strip_prefix('.').unwrap_or(rest);
            if rest_key.len() != rest.len() {
                out.push('.');
            }
            let end = rest_key.find(['.', '[']).unwrap_or(rest_key.len());
            let key = &rest_key[..end];
            out.push_str(key);
            node = node.and_then(|n| n.get(key));
            rest = &rest_key[end..];
        }
    }
    out
}

/// A list item's stable name: its `name` key, or for code its whitespace-free source text.
fn item_name(item: Option<&Node>, code: bool, file: &SourceFile) -> Option<String> {
    let item = item?;
    if let Some(name) = item.get("name").and_then(Node::as_str) {
        return Some(format!("name={name}"));
    }
    if !code {
        return None;
    }
    let text = file.text.get(item.span.start..item.span.end)?;
    let squeezed: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(MAX_TEXT)
        .collect();
    if squeezed.is_empty() {
        return None;
    }
    Some(match enclosing_fn(&file.text[..item.span.start]) {
        Some(name) => format!("fn {name}/{squeezed}"),
        None => squeezed,
    })
}

/// The name in the last `fn NAME` of `before` (a whole word `fn`).
fn enclosing_fn(before: &str) -> Option<&str> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut end = before.len();
    while let Some(at) = before[..end].rfind("fn") {
        end = at;
        let starts_word = !before[..at].chars().next_back().is_some_and(word);
        let rest = &before[at + 2..];
        let name = rest.trim_start();
        if !starts_word || name.len() == rest.len() {
            continue;
        }
        let len = name.find(|c: char| !word(c)).unwrap_or(name.len());
        if len > 0 {
            return Some(&name[..len]);
        }
    }
    None
}

/// Appends `#2`, `#3`, ... to the identity of findings that repeat an earlier
/// (rule, path, identity) of the sorted list, so every key is unique.
///
/// The keys are borrowed, not cloned: on a tree of 50,000 findings, cloning three
/// strings per finding into a SipHash map made this step grow faster than the
/// findings (allocator and rehash work), so the repeats are counted first on
/// borrowed keys and the few renamed subjects written afterwards.
pub fn disambiguate(findings: &mut [Finding]) {
    let mut seen: rustc_hash::FxHashMap<(&str, &str, &str), usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(findings.len(), Default::default());
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let key = (
            f.rule.as_str(),
            f.location.path.as_str(),
            f.subject.as_str(),
        );
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        if *n > 1 {
            repeats.push((i, *n));
        }
    }
    drop(seen);
    for (i, n) in repeats {
        let f = &mut findings[i];
        f.subject = format!("{}#{n}", f.subject);
    }
}

/// A stable hexadecimal fingerprint of a finding: rule, path and subject identity.
pub fn fingerprint(finding: &Finding) -> String {
    let mut hash = Sha256::new();
    for part in [
        finding.rule.as_str(),
        finding.location.path.as_str(),
        finding.subject.as_str(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{Span, Value};

    fn scalar(text: &str, start: usize) -> Node {
        Node::scalar(text, false, Span::new(start, start + text.len()))
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node {
            value: Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (scalar(k, 0), v))
                    .collect(),
            ),
            span: Span::new(0, 0),
        }
    }

    fn seq(items: Vec<Node>) -> Node {
        Node {
            value: Value::Seq(items),
            span: Span::new(0, 0),
        }
    }

    #[test]
    fn named_items_are_named_and_others_keep_their_index() {
        let root = map(vec![(
            "spec",
            map(vec![(
                "http",
                seq(vec![
                    map(vec![("name", scalar("v1", 0))]),
                    map(vec![("route", scalar("x", 0))]),
                ]),
            )]),
        )]);
        let file = SourceFile::new("a.yaml".into(), "a.yaml".into(), String::new());
        assert_eq!(
            path(&root, "spec.http[0]", false, &file),
            "spec.http[name=v1]"
        );
        assert_eq!(path(&root, "spec.http[1]", false, &file), "spec.http[1]");
        assert_eq!(
            path(&root, "spec.nope[3].x", false, &file),
            "spec.nope[3].x"
        );
    }

    #[test]
    fn code_items_are_their_text_without_whitespace() {
        let text = "let c = reqwest::Client::builder()\n    .build();";
        let file = SourceFile::new("a.rs".into(), "a.rs".into(), text.into());
        let mut item = map(vec![("api", scalar("reqwest", 0))]);
        item.span = Span::new(8, text.len() - 1);
        let root = map(vec![("clients", seq(vec![item]))]);
        assert_eq!(
            path(&root, "clients[0]", true, &file),
            "clients[reqwest::Client::builder().build()]"
        );
    }

    #[test]
    fn the_enclosing_function_is_the_last_fn_written_before() {
        let text = "fn a() {}\nasync fn fetch_all(x: u8) {\n    let f = |y| y;\n";
        assert_eq!(enclosing_fn(text), Some("fetch_all"));
        assert_eq!(enclosing_fn("let conf = 1; fnord(2);"), None);
        assert_eq!(enclosing_fn("pub fn\n  go() { "), Some("go"));
    }
}
