//! YAML (and therefore JSON) text to positioned trees, one per document.
//!
//! Built from `saphyr-parser` events rather than saphyr's own tree so that
//! positions are converted to byte offsets once, here, anchors and merge keys
//! (`<<: *base`, which saphyr leaves alone) are expanded under a budget, and
//! nesting depth is bounded without recursion (see [`super::build`]).
//!
//! A broken document drops only itself. Errors that end saphyr's event stream
//! (bad syntax) are resumed from the next document marker: a `---` or `...` at
//! the start of a line ends any document, block scalars included, so the text
//! after it is parsed again as a slice, its positions shifted by the slice's start.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser};

use super::build::{Builder, Failure, Step};
pub use super::build::{Duplicate, MAX_DEPTH, MAX_EXPANSION, MAX_TREE};
use super::offsets::{parse_text, Offsets};
use crate::tree::Node;

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
    /// Keys written twice in one of its mappings (the last one is kept).
    pub duplicates: Vec<Duplicate>,
}

/// Every document of a file that loads, and one error per document that does not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub docs: Vec<YamlDoc>,
    pub errors: Vec<YamlError>,
}

/// Start of the first line after `from` that opens with a document marker (`---` or
/// `...` followed by a blank or the end of the line).
fn next_marker(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        let nl = at + bytes[at..].iter().position(|&b| b == b'\n' || b == b'\r')?;
        let line = nl + 1;
        let rest = &bytes[line..];
        if (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && rest.get(3).is_none_or(|b| b.is_ascii_whitespace())
        {
            return Some(line);
        }
        at = line;
    }
}

/// `text` with the tabs that separate a key from its value made spaces (YAML 1.2
/// allows them, saphyr does not); same length, so positions hold.
fn tabs_as_spaces(text: &str) -> Cow<'_, str> {
    if !text.contains(":\t") {
        return Cow::Borrowed(text);
    }
    let tabs = super::template::scan(text).separator_tabs;
    if tabs.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for t in tabs {
        bytes[t] = b' ';
    }
    // A tab and a space are both one ASCII byte: the text stays valid UTF-8.
    Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned()))
}

/// Parses every document of `text` (which must not start with a BOM); plain JSON
/// the fast way ([`super::json`]), with the same result.
pub fn parse(text: &str) -> Parsed {
    super::json::parse(text).unwrap_or_else(|| parse_yaml(text))
}

/// [`parse`] by saphyr, whatever the text.
pub(super) fn parse_yaml(text: &str) -> Parsed {
    let text = tabs_as_spaces(text);
    let text = text.as_ref();
    let mut out = Parsed::default();
    let mut builder = Builder::default();
    let mut doc_index = 0;
    let mut base = 0;
    let ascii = text.is_ascii();
    // Each time the stream ends in an error, go on after the broken document.
    while let Some(doc_start) =
        parse_slice(text, base, ascii, &mut builder, &mut doc_index, &mut out)
    {
        match next_marker(text, doc_start) {
            Some(marker) => base = marker,
            None => break,
        }
    }
    out
}

/// Parses `text[base..]` until its end or a syntax error; on an error, returns the
/// byte offset where the broken document starts.
fn parse_slice(
    text: &str,
    base: usize,
    ascii: bool,
    builder: &mut Builder,
    doc_index: &mut usize,
    out: &mut Parsed,
) -> Option<usize> {
    let (parsed_text, skip, prefix) = parse_text(&text[base..]);
    let offsets = Offsets::new(&parsed_text, base + skip, prefix, ascii);
    let mut doc_start = base;
    let mut in_doc = false;
    for event in Parser::new_from_str(&parsed_text) {
        let (event, span) = match event {
            Ok(e) => e,
            Err(e) => {
                // saphyr caps flow nesting at 255 levels with this message: a limit.
                let kind = if e.info() == "recursion limit exceeded" {
                    YamlErrorKind::Limit
                } else {
                    YamlErrorKind::Parse
                };
                if !(in_doc && builder.failed()) {
                    let offset = offsets.byte(e.marker().index());
                    let message = e.info().to_string();
                    push_error(
                        out,
                        YamlError {
                            kind,
                            offset,
                            message,
                        },
                    );
                }
                if in_doc {
                    *doc_index += 1;
                }
                return Some(doc_start);
            }
        };
        let sp = offsets.span(&span);
        match event {
            Event::DocumentStart(_) => {
                builder.start_document();
                doc_start = sp.start;
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                *doc_index += usize::from(in_doc);
                doc_start = sp.start;
                in_doc = false;
                continue;
            }
            _ => {}
        }
        match builder.on_event(event, sp, text) {
            Step::Continue | Step::Empty => {}
            Step::Done(built) => out.docs.push(YamlDoc {
                index: *doc_index,
                root: built.root,
                duplicates: built.duplicates,
            }),
            Step::Failed(f) => {
                push_error(
                    out,
                    YamlError {
                        kind: match f.kind {
                            Failure::Parse => YamlErrorKind::Parse,
                            Failure::Limit => YamlErrorKind::Limit,
                        },
                        offset: f.offset,
                        message: f.message,
                    },
                );
                if builder.exhausted() {
                    // Past the file's tree budget: saphyr is not run any further.
                    return None;
                }
            }
        }
    }
    None
}

/// Records an error, once: a document parsed again after a restart may report
/// the same error as the pass before.
fn push_error(out: &mut Parsed, error: YamlError) {
    let repeated = out
        .errors
        .last()
        .is_some_and(|e| e.offset == error.offset && e.message == error.message);
    if !repeated {
        out.errors.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, YamlDoc, YamlError, YamlErrorKind, MAX_DEPTH};
    use crate::source::SourceFile;
    use crate::tree::Node;

    /// The documents of a text that must load without errors.
    fn ok(src: &str) -> Vec<YamlDoc> {
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.docs
    }

    /// The first error of a text that must have one.
    fn err(src: &str) -> YamlError {
        let mut parsed = parse(src);
        assert!(!parsed.errors.is_empty(), "no error");
        parsed.errors.remove(0)
    }

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
        let docs = ok(src);
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
            assert!(ok(src).is_empty(), "{src:?}");
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
        let docs = ok(src);
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
        let docs = ok(src);
        let m = get(&docs[0].root, &["m"]);
        assert_eq!(get(m, &["x"]).as_i64(), Some(1));
        assert_eq!(get(m, &["y"]).as_i64(), Some(1));
        assert_eq!(get(m, &["z"]).as_i64(), Some(3));
        assert_eq!(m.as_map().unwrap().len(), 3);
    }

    #[test]
    fn a_quoted_merge_key_is_an_ordinary_key() {
        let docs = ok("a: &a {x: 1}\nm: {\"<<\": *a}\n");
        let m = get(&docs[0].root, &["m"]);
        assert!(m.get("x").is_none());
        assert!(m.get("<<").is_some());
    }

    #[test]
    fn anchors_do_not_cross_documents() {
        let err = err("a: &a 1\n---\nb: *a\n");
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
        let err = err(&src);
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
        let err = err(&src);
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
        let docs = ok(&src);
        assert!(docs[0].root.size() > 10_000);
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let depth = 100_000;
        let closed = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let err = err(&closed);
        assert!(err.offset <= closed.len());
        assert_eq!(err.kind, YamlErrorKind::Limit);
        let unclosed = "[".repeat(depth);
        assert!(!parse(&unclosed).errors.is_empty());
        let maps = format!("{}{}", "{a: ".repeat(depth), "}".repeat(depth));
        assert!(!parse(&maps).errors.is_empty());
    }

    #[test]
    fn nesting_up_to_the_limits_loads_and_past_them_is_a_limit_error() {
        // Flow nesting: saphyr stops at 255 levels.
        let flow = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(ok(&flow(255)).len(), 1);
        assert_eq!(err(&flow(256)).kind, YamlErrorKind::Limit);
        // Block nesting: the loader stops at MAX_DEPTH.
        let block = |n: usize| {
            let mut s: String = (0..n).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
            s.push_str(&format!("{}leaf: 1\n", " ".repeat(n)));
            s
        };
        assert_eq!(ok(&block(MAX_DEPTH - 1)).len(), 1);
        let err = err(&block(MAX_DEPTH + 1));
        assert_eq!(err.kind, YamlErrorKind::Limit, "{}", err.message);
    }

    #[test]
    fn positions_survive_crlf_and_non_ascii_text() {
        let src = "# café ✓ — naïve\r\nmetadata:\r\n  name: Zürich\r\n  labels: {région: Île-de-France, tier: ✓✓}\r\nspec:\r\n  timeout: 0s\r\n";
        let file = source(src);
        let docs = ok(src);
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
        let docs = ok(src);
        let route = &get(&docs[0].root, &["spec", "http"]).as_seq().unwrap()[0];
        assert_eq!(text(src, route), "route: r\n    timeout: 2s");
        let script = "run: |\n  echo hi\n  echo bye\n\nnext: 1\n";
        let docs = ok(script);
        // A block scalar's span covers its content, without the trailing blank line.
        assert_eq!(
            text(script, get(&docs[0].root, &["run"])),
            "echo hi\n  echo bye"
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let src = "a: 1\nb: [1, 2\nc: 3\n";
        let err = err(src);
        assert_eq!(err.kind, YamlErrorKind::Parse);
        assert!(err.offset > 0 && err.offset <= src.len());
        assert!(!parse("a: *nowhere\n").errors.is_empty());
    }
}

#[cfg(test)]
mod recovery_tests {
    use super::parse;

    fn keys(src: &str) -> Vec<String> {
        parse(src)
            .docs
            .iter()
            .map(|d| d.root.as_map().unwrap()[0].0.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn parsing_resumes_at_the_next_document_marker() {
        let src = "a: 1\n---\nb: [1, 2\n---\nc: 3\n...\nd: {\n---\ne: 5\n";
        assert_eq!(keys(src), ["a", "c", "e"]);
        let parsed = parse(src);
        assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
        let indices: Vec<usize> = parsed.docs.iter().map(|d| d.index).collect();
        assert!(indices.windows(2).all(|w| w[0] < w[1]), "{indices:?}");
        // Each error points into its own document.
        assert!(parsed.errors[0].offset > src.find("b:").unwrap());
        assert!(parsed.errors[0].offset < src.find("c:").unwrap());
        assert!(parsed.errors[1].offset > src.find("d:").unwrap());
    }

    #[test]
    fn a_broken_last_document_and_a_broken_first_one() {
        assert_eq!(keys("a: 1\n---\nb: [\n"), ["a"]);
        assert_eq!(keys("a: [\n---\nb: 1\n"), ["b"]);
        assert_eq!(keys("x: *nowhere\n---\nb: 1\n"), ["b"]);
    }

    #[test]
    fn a_marker_inside_text_is_not_a_restart_point() {
        // `---` not at a line start, or followed by text, is content.
        assert_eq!(keys("a: [\n  ---x\n  b: ---\n---\nc: 1\n"), ["c"]);
    }

    #[test]
    fn json_documents_keep_exact_positions() {
        let src = "\n  {\"a\": [1, \"é\"], \"b\": {\"c\": 2}}\n";
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let root = &parsed.docs[0].root;
        assert_eq!(root.span.start, 3);
        let c = root.get("b").unwrap().get("c").unwrap();
        assert_eq!(&src[c.span.start..c.span.end], "2");
        let (key, _) = root.entry("a").unwrap();
        assert_eq!(&src[key.span.start..key.span.end], "\"a\"");
        let broken = "{\"a\": [1, 2}\n";
        let err = &parse(broken).errors[0];
        assert!(err.offset > 0 && err.offset <= broken.len(), "{err:?}");
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let parsed = parse("a: 1\nb: 2\na: 3\n");
        let root = &parsed.docs[0].root;
        assert_eq!(root.get("a").and_then(|n| n.as_i64()), Some(3));
        assert_eq!(root.as_map().unwrap().len(), 2);
        let dup = &parsed.docs[0].duplicates;
        assert_eq!(dup.len(), 1);
        assert_eq!(
            (dup[0].key.as_str(), dup[0].dropped, dup[0].kept),
            ("a", 0, 10)
        );
        // Many keys: the hash map path agrees.
        let many: String =
            (0..20).map(|i| format!("k{i}: {i}\n")).collect::<String>() + "k3: last\n";
        let parsed = parse(&many);
        assert_eq!(
            parsed.docs[0].root.get("k3").unwrap().as_str(),
            Some("last")
        );
        assert_eq!(parsed.docs[0].duplicates.len(), 1);
    }

    #[test]
    fn a_tab_after_a_key_separates_it_from_its_value() {
        let parsed = parse("a:\tb\nc: \"d:\te\"\n");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let root = &parsed.docs[0].root;
        assert_eq!(root.get("a").unwrap().as_str(), Some("b"));
        assert_eq!(
            root.get("c").unwrap().as_str(),
            Some("d:\te"),
            "quoted tabs stay"
        );
    }

    #[test]
    fn a_file_past_the_tree_budget_stops_loading_with_one_limit_error() {
        // 2.5 MB of tiny documents: each costs its nodes and a fixed share, 128 MiB in
        // all past about 200,000 of them.
        let docs = 250_000;
        let parsed = parse(&"---\na: b\n".repeat(docs));
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        let e = &parsed.errors[0];
        assert_eq!(e.kind, super::YamlErrorKind::Limit);
        assert!(e
            .message
            .contains(&format!("{} MiB as trees", super::MAX_TREE >> 20)));
        let loaded = parsed.docs.len();
        assert!((100_000..docs).contains(&loaded), "{loaded}");
        assert_eq!(
            e.offset,
            "---\na: b\n".len() * loaded + 4,
            "at the first node refused"
        );
        // A file under the budget loads whole.
        assert_eq!(parse(&"---\na: b\n".repeat(1_000)).docs.len(), 1_000);
    }
}
