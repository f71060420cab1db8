//! `resilint map --format json`: the integration graph as a versioned contract
//! (`version`; fields may be added within a version, never removed or renamed).

use crate::graph::Graph;

pub fn render(graph: &Graph) -> String {
    let mut text =
        serde_json::to_string_pretty(graph).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
