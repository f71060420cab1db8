//! The code layer: each Rust package is a service ([`super::ties`]), each outbound
//! call with a known target (`calls[*].target` of the Rust facts documents) an edge.
//! The call's code layer carries its client's timeout (the client of the package
//! calling the same target), its breaker, the retry loop or strategy around it (a
//! retry of the same target), and whether it sends an idempotency key.
//!
//! Durations and attempt counts are read from the source text at the place the facts
//! point to (`.timeout(Duration::from_secs(2))`, `for _ in 0..3`, `.take(5)`,
//! `attempts < 5`): what is not written as a literal there stays unknown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::host;
use super::ties::{self, Package};
use super::{Builder, Call, Layer, LayerKind, Retries, Setting, Target, Where};
use crate::classify::Platform;
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Span};

/// How far past a retry loop's header its body is searched for an attempt bound.
const LOOP_WINDOW: usize = 4096;

pub fn add(b: &mut Builder) {
    let files = b.files();
    let manifests: HashMap<PathBuf, Package> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path.file_name().is_some_and(|n| n == "Cargo.toml"))
        .filter_map(|(i, f)| ties::package(i, &f.path, &f.text))
        .map(|p| (p.dir.clone(), p))
        .collect();
    // Rust documents grouped by package (by its manifest's directory).
    let mut by_package: std::collections::BTreeMap<PathBuf, Vec<&Document>> = Default::default();
    for doc in b.ws.docs_of(Some(Platform::Rust), &[]) {
        let path = &files[doc.file].path;
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| manifests.contains_key(*d))
            .map(Path::to_path_buf);
        if let Some(dir) = dir {
            by_package.entry(dir).or_default().push(doc);
        }
    }
    for (dir, docs) in by_package {
        let package = &manifests[&dir];
        let from = ties::tie(b, package);
        b.package_service(package.manifest, from.clone());
        package_edges(b, &from, &docs);
    }
}

/// A client of the package: its target and its timeout, if any.
struct Client<'a> {
    target: Option<&'a str>,
    timeout: Option<&'a Node>,
    at: Where,
    /// Where code turns the timeout off (`.timeout(None)`) or opens a connection that has
    /// none (redis `get_connection()`): its finding is the edge's too.
    disabled: Option<Where>,
}

fn items<'a>(doc: &'a Document, key: &str) -> &'a [Node] {
    doc.root.get(key).and_then(Node::as_seq).unwrap_or_default()
}

fn package_edges(b: &mut Builder, from: &str, docs: &[&Document]) {
    let files = b.files();
    let namespace = from.split_once('.').map(|(_, ns)| ns.to_string());
    let clients: Vec<(usize, Client)> = docs
        .iter()
        .flat_map(|d| items(d, "clients").iter().map(move |c| (d.file, c)))
        .map(|(file, c)| {
            let client = Client {
                target: c.get("target").and_then(Node::as_str),
                timeout: c.get("timeout"),
                at: Where::new(files, file, c.span),
                disabled: (c.get("timeout-disabled"))
                    .or_else(|| c.get("unbounded-connection"))
                    .map(|n| Where::new(files, file, n.span)),
            };
            (file, client)
        })
        .collect();
    let retries: Vec<(usize, &Node)> = docs
        .iter()
        .flat_map(|d| items(d, "retries").iter().map(move |r| (d.file, r)))
        .collect();
    for doc in docs {
        for call in items(doc, "calls") {
            let Some(target) = call.get("target").and_then(Node::as_str) else {
                continue;
            };
            let Some(address) = host::parse(target) else {
                continue;
            };
            let key = b.alias(&b.resolve(&address.host, namespace.as_deref()));
            let file = &files[doc.file];
            let at = b.at(doc.file, call.span);
            let mut layer = Layer::new(
                LayerKind::Code,
                "rust",
                format!(
                    "`{}` call in {from}",
                    call.get("api").and_then(Node::as_str).unwrap_or("client")
                ),
                at.clone(),
            );
            let mine: Vec<&Client> = clients
                .iter()
                .map(|(_, c)| c)
                .filter(|c| c.target == Some(target))
                .collect();
            layer.related.extend(mine.iter().map(|c| c.at.clone()));
            layer
                .related
                .extend(mine.iter().filter_map(|c| c.disabled.clone()));
            if !mine.is_empty() && mine.iter().all(|c| c.timeout.is_some()) {
                let t = mine[0].timeout.expect("checked above");
                let f = &files[mine[0].at.file];
                layer.timeout = Some(Setting {
                    value: t.as_str().unwrap_or("set").to_string(),
                    seconds: duration_in(slice(f, t.span)),
                    at: Where::new(files, mine[0].at.file, t.span),
                });
            } else if let Some(t) = call.get("timeout").and_then(Node::as_str) {
                // The call's own client bounds it (its timeout, told on the call).
                layer.timeout = Some(Setting {
                    value: t.to_string(),
                    seconds: None,
                    at: at.clone(),
                });
            }
            layer.breaker = call.get("breaker").map(|n| Setting {
                value: n.as_str().unwrap_or("breaker").to_string(),
                seconds: None,
                at: at.clone(),
            });
            let retry = retries.iter().find(|(f, r)| {
                r.get("target").and_then(Node::as_str) == Some(target)
                    || (*f == doc.file
                        && r.span.start <= call.span.start
                        && call.span.start < r.span.start + LOOP_WINDOW
                        && r.get("target").is_none())
            });
            if let Some((rf, r)) = retry {
                layer.retries = Some(code_retries(files, *rf, r));
                layer.related.push(Where::new(files, *rf, r.span));
            }
            let statement = statement_after(file, call.span);
            if statement.to_ascii_lowercase().contains("idempotency-key")
                || statement.contains("IDEMPOTENCY")
            {
                layer.idempotency = Some(Setting {
                    value: "sends an Idempotency-Key header".into(),
                    seconds: None,
                    at: at.clone(),
                });
            }
            let method = method_of(slice(file, call.span));
            let target = Target {
                key: &key,
                what: format!("called by {from}"),
                seen: at.clone(),
            };
            let call = Call {
                from,
                origin: LayerKind::Code,
                at,
                method,
                path: address.path,
            };
            b.add_call(target, call, std::sync::Arc::new(layer));
        }
    }
}

fn code_retries(files: &[SourceFile], file: usize, r: &Node) -> Retries {
    let f = &files[file];
    let unbounded = r.get("unbounded").is_some();
    let tries = if unbounded {
        None
    } else {
        let kind = r.get("kind").and_then(Node::as_str);
        tries_in(f, r.span, kind == Some("loop"))
    };
    let backoff = r.get("delay").and_then(Node::as_str).map(|d| match d {
        "growing" => "growing".to_string(),
        other => other.to_string(),
    });
    Retries {
        tries,
        unbounded,
        conditions: vec!["any error the code retries on".into()],
        per_try_seconds: None,
        backoff,
        default: false,
        at: Where::new(files, file, r.span),
    }
}

fn slice(file: &SourceFile, span: Span) -> &str {
    let end = span.end.min(file.text.len());
    let start = span.start.min(end);
    file.text.get(start..end).unwrap_or("")
}

/// The text of the statement a call starts: up to the next `;`, or the end of the
/// block when the call is its tail expression (bounded).
fn statement_after(file: &SourceFile, span: Span) -> &str {
    let start = span.start.min(file.text.len());
    let rest = &file.text[start..];
    let end = [";", "\n}", "\n    }\n"]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()
        .unwrap_or(rest.len())
        .min(2048);
    let mut end = end;
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    &rest[..end]
}

/// The HTTP method of a call whose text starts with the method name (`post(URL)`).
fn method_of(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match name.as_str() {
        "get" | "post" | "put" | "patch" | "delete" | "head" => Some(name.to_ascii_uppercase()),
        _ => None,
    }
}

static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"from_(secs_f64|secs_f32|secs|millis|micros|nanos)\(\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*\)",
    )
    .expect("valid regex")
});

/// The first `Duration::from_*` literal in `text`, in seconds.
pub fn duration_in(text: &str) -> Option<f64> {
    let c = DURATION.captures(text)?;
    let n: f64 = c[2].replace('_', "").parse().ok()?;
    let scale = match &c[1] {
        "millis" => 1e-3,
        "micros" => 1e-6,
        "nanos" => 1e-9,
        _ => 1.0,
    };
    Some(n * scale)
}

static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bin\s+(\d+)\s*\.\.(=?)\s*(\d+)").expect("valid regex"));
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\w*(?:attempt|tries|retr)\w*\s*(<=|<|>=|>|==)\s*(\d+)").expect("valid regex")
});
static CRATE_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\.(take|with_max_times|max_retries|build_with_max_retries|with_max_retries|max_attempts|with_max_attempts)\(\s*(\d+)\s*\)")
        .expect("valid regex")
});

/// Tries (the first included) of a retry at `span`: a loop's range or attempt
/// counter, a strategy's bound. `None` when no literal says.
fn tries_in(file: &SourceFile, span: Span, is_loop: bool) -> Option<u64> {
    let header = slice(file, span);
    if is_loop {
        if let Some(c) = RANGE.captures(header) {
            let (a, b): (u64, u64) = (c[1].parse().ok()?, c[3].parse().ok()?);
            return Some(if &c[2] == "=" {
                b + 1 - a.min(b + 1)
            } else {
                b.saturating_sub(a)
            });
        }
        let body = window(file, span.start, LOOP_WINDOW);
        let c = COUNTER.captures(body)?;
        let n: u64 = c[2].parse().ok()?;
        return Some(match &c[1] {
            "<=" | ">" => n + 1,
            _ => n,
        });
    }
    let statement = statement_after(file, span);
    let c = CRATE_BOUND.captures(statement)?;
    let n: u64 = c[2].parse().ok()?;
    Some(match &c[1] {
        "max_attempts" | "with_max_attempts" => n,
        _ => n + 1,
    })
}

/// Up to `len` bytes of the text from `start`, ending at a character boundary.
fn window(file: &SourceFile, start: usize, len: usize) -> &str {
    let start = start.min(file.text.len());
    let mut end = (start + len).min(file.text.len());
    while !file.text.is_char_boundary(end) {
        end -= 1;
    }
    &file.text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_bounds_are_read_from_literals() {
        assert_eq!(duration_in(".timeout(Duration::from_secs(2))"), Some(2.0));
        assert_eq!(
            duration_in(".timeout(Duration::from_millis(1_500))"),
            Some(1.5)
        );
        assert_eq!(duration_in(".timeout(d)"), None);
        assert_eq!(method_of("post(URL)"), Some("POST".into()));
        assert_eq!(method_of("send()"), None);
        let f = SourceFile::new(
            "a.rs".into(),
            "a.rs".into(),
            "for _ in 0..3 { x }\nloop { if attempts < 5 { } }\nlet s = E::from_millis(5).take(4);"
                .into(),
        );
        assert_eq!(tries_in(&f, Span::new(0, 13), true), Some(3));
        assert_eq!(tries_in(&f, Span::new(20, 24), true), Some(5));
        assert_eq!(tries_in(&f, Span::new(58, 70), false), Some(5));
    }
}
