//! `resilint map --format mermaid`: a `flowchart LR` of services and the edges
//! between them, each edge labelled with what its layers set and its findings.

use super::map_dot::{edge_label, node_ids};
use crate::graph::Graph;

/// Text safe inside a Mermaid quoted label.
fn quote(text: &str) -> String {
    text.replace('"', "#quot;").replace('\n', "<br/>")
}

pub fn render(graph: &Graph) -> String {
    let ids = node_ids(graph);
    let mut out = String::from("flowchart LR\n");
    for (name, id) in &ids {
        out.push_str(&format!("  {id}[\"{}\"]\n", quote(name)));
    }
    for e in &graph.edges {
        let from = e.from.as_deref().unwrap_or("(mesh)");
        let label = edge_label(e).join("<br/>");
        let arrow = if e.findings.is_empty() { "-->" } else { "-.->" };
        out.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            ids[from],
            quote(&label),
            ids[e.to.as_str()]
        ));
    }
    for t in &graph.ties {
        if t.guessed {
            out.push_str(&format!(
                "  %% tie guessed: {} is {} ({})\n",
                t.code, t.service, t.how
            ));
        }
    }
    out
}
