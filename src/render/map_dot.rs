//! `resilint map --format dot`: the integration graph for Graphviz
//! (`resilint map --format dot | dot -Tsvg > map.svg`).

use std::collections::BTreeMap;

use crate::graph::{Edge, Graph};

/// A short id per node name (`n0`, `n1`, ...), in name order; mesh routes come
/// from `(mesh)`, every caller.
pub fn node_ids(graph: &Graph) -> BTreeMap<String, String> {
    let mut names: Vec<&str> = graph.services.iter().map(|s| s.id.as_str()).collect();
    if graph.edges.iter().any(|e| e.from.is_none()) {
        names.push("(mesh)");
    }
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), format!("n{i}")))
        .collect()
}

/// Lines of an edge's label: method and path, then per layer what it sets, then findings.
pub fn edge_label(e: &Edge) -> Vec<String> {
    let mut lines = Vec::new();
    let head = [e.method.as_deref(), e.path.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !head.is_empty() {
        lines.push(head);
    }
    for l in &e.layers {
        let mut parts = Vec::new();
        if let Some(t) = &l.timeout {
            parts.push(match t.seconds {
                Some(s) => format!("timeout {}", crate::rules::duration::format_seconds(s)),
                None => "timeout".to_string(),
            });
        }
        if let Some(r) = &l.retries {
            match (r.tries, r.unbounded) {
                (_, true) => parts.push("retries forever".into()),
                (Some(t), _) if t > 1 => parts.push(format!("{t} tries")),
                (None, _) => parts.push("retries".into()),
                _ => {}
            }
        }
        if l.breaker.is_some() {
            parts.push("breaker".into());
        }
        if l.idempotency.is_some() {
            parts.push("idempotency key".into());
        }
        let set = if parts.is_empty() {
            "nothing set".to_string()
        } else {
            parts.join(", ")
        };
        lines.push(format!("{}: {set}", l.layer.name()));
    }
    if !e.findings.is_empty() {
        lines.push(format!("findings: {}", e.findings.join(", ")));
    }
    lines
}

/// Text safe inside a DOT double-quoted string.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn render(graph: &Graph) -> String {
    let ids = node_ids(graph);
    let mut out = String::from("digraph resilint {\n  rankdir=LR;\n  node [shape=box];\n");
    for (name, id) in &ids {
        out.push_str(&format!("  {id} [label=\"{}\"];\n", quote(name)));
    }
    for e in &graph.edges {
        let from = e.from.as_deref().unwrap_or("(mesh)");
        let style = if e.findings.is_empty() {
            "solid"
        } else {
            "dashed"
        };
        out.push_str(&format!(
            "  {} -> {} [label=\"{}\", style={style}];\n",
            ids[from],
            ids[e.to.as_str()],
            quote(&edge_label(e).join("\\n"))
        ));
    }
    for t in &graph.ties {
        if t.guessed {
            out.push_str(&format!(
                "  // tie guessed: {} is {} ({})\n",
                t.code,
                t.service,
                t.how.replace('\n', " ")
            ));
        }
    }
    out.push_str("}\n");
    out
}
