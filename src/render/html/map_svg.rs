//! The integration map as an inline SVG, drawn with a small layered layout.
//!
//! Why our own: layout-rs 0.1.3, the graph-layout crate on crates.io, writes its own
//! SVG with a Times font class emitted from a `HashMap` (order not fixed across
//! runs) and fixed colours (no dark mode, no colour-blind styling). The graphs here
//! are tens of services, so a Sugiyama-style layout in one short module serves:
//! 1. cycles are broken by a depth-first search in id order (back edges are only
//!    drawn, not layered);
//! 2. each service's column is its longest path from a caller-less service;
//! 3. within a column, services are ordered by the mean row of their neighbours,
//!    a few sweeps each way (ties by id, so the bytes never depend on hashing);
//! 4. edges are cubic curves from the caller's right side to the callee's left.
//!
//! Styling is by class (`node`, `external`, `edge`, `flagged`): the page's CSS gives
//! colours for light, dark and print. Edges with findings are also dashed, so they
//! are told apart without colour.

use std::collections::{BTreeMap, BTreeSet};

use super::esc;
use crate::graph::Graph;

/// Pseudo-node for mesh routes, which apply to every caller.
pub const MESH: &str = "(mesh)";

const CHAR_W: usize = 7;
const NODE_H: usize = 26;
const PAD_X: usize = 10;
const GAP_X: usize = 90;
const GAP_Y: usize = 14;
/// Height of a waypoint's row (an edge passing through a column).
const WAY_H: usize = 12;
const MARGIN: usize = 12;
const SWEEPS: usize = 4;

/// Calls between two nodes, gathered from the graph's edges.
#[derive(Default)]
struct Link {
    count: usize,
    flagged: usize,
    rules: BTreeSet<String>,
}

/// The SVG element for the services that call or are called (an empty string when
/// none is), and the ids of the services with no integration point, in id order:
/// a page lists those as text rather than stacking them in the first column.
pub fn render(graph: &Graph) -> (String, Vec<String>) {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut links: BTreeMap<(String, String), Link> = BTreeMap::new();
    for e in &graph.edges {
        let from = e.from.clone().unwrap_or_else(|| MESH.to_string());
        names.insert(from.clone());
        names.insert(e.to.clone());
        let link = links.entry((from, e.to.clone())).or_default();
        link.count += 1;
        link.flagged += usize::from(!e.findings.is_empty());
        link.rules.extend(e.findings.iter().cloned());
    }
    let alone: Vec<String> = graph
        .services
        .iter()
        .filter(|s| !names.contains(&s.id))
        .map(|s| s.id.clone())
        .collect();
    if names.is_empty() {
        return (String::new(), alone);
    }
    let names: Vec<String> = names.into_iter().collect();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let pairs: Vec<(usize, usize)> = links
        .keys()
        .map(|(f, t)| (index[f.as_str()], index[t.as_str()]))
        .collect();
    let layout = Layout::new(names.len(), &pairs);
    let external: BTreeSet<&str> = graph
        .services
        .iter()
        .filter(|s| s.external)
        .map(|s| s.id.as_str())
        .collect();
    (draw(&names, &layout, &links, &index, &external), alone)
}

/// Columns and rows of every node. Nodes `0..real` are services; the others are
/// waypoints of edges that cross columns (Sugiyama's dummy nodes), one per column
/// crossed, so those edges are ordered with the nodes and pass between them.
struct Layout {
    real: usize,
    column: Vec<usize>,
    /// Node indices per column, top to bottom.
    columns: Vec<Vec<usize>>,
    /// The waypoints of each edge that crosses columns, in order.
    waypoints: BTreeMap<(usize, usize), Vec<usize>>,
}

impl Layout {
    fn new(n: usize, pairs: &[(usize, usize)]) -> Layout {
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(f, t) in pairs {
            if f != t {
                out[f].push(t);
            }
        }
        let forward = acyclic(&out);
        // Longest path from a node without predecessors, in topological order.
        let mut indegree = vec![0usize; n];
        for &(_, t) in &forward {
            indegree[t] += 1;
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
        let mut column = vec![0usize; n];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(f, t) in &forward {
            succ[f].push(t);
        }
        while let Some(v) = ready.pop_first() {
            for &t in &succ[v] {
                column[t] = column[t].max(column[v] + 1);
                indegree[t] -= 1;
                if indegree[t] == 0 {
                    ready.insert(t);
                }
            }
        }
        // Waypoints of forward edges that skip columns; the segments between them
        // are what ordering sees.
        let mut waypoints = BTreeMap::new();
        let mut segments = Vec::new();
        for &(f, t) in pairs {
            if f == t || column[t] <= column[f] + 1 {
                segments.push((f, t));
                continue;
            }
            let mut chain = Vec::new();
            let mut last = f;
            for c in column[f] + 1..column[t] {
                let w = column.len();
                column.push(c);
                chain.push(w);
                segments.push((last, w));
                last = w;
            }
            segments.push((last, t));
            waypoints.insert((f, t), chain);
        }
        let width = column.iter().max().map_or(0, |m| m + 1);
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); width];
        for (v, &c) in column.iter().enumerate() {
            columns[c].push(v);
        }
        let mut layout = Layout {
            real: n,
            column,
            columns,
            waypoints,
        };
        layout.order(&segments);
        layout
    }

    /// Barycentre sweeps: each column sorted by the mean row of its neighbours in
    /// the column before (down) or after (up).
    fn order(&mut self, pairs: &[(usize, usize)]) {
        let n = self.column.len();
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(f, t) in pairs {
            if f != t {
                neighbours[f].push(t);
                neighbours[t].push(f);
            }
        }
        for sweep in 0..SWEEPS * 2 {
            let mut row = vec![0usize; n];
            for col in &self.columns {
                for (r, &v) in col.iter().enumerate() {
                    row[v] = r;
                }
            }
            let down = sweep % 2 == 0;
            let order: Vec<usize> = if down {
                (1..self.columns.len()).collect()
            } else {
                (0..self.columns.len().saturating_sub(1)).rev().collect()
            };
            for c in order {
                let side = if down { c - 1 } else { c + 1 };
                let key = |v: usize| {
                    let near: Vec<usize> = neighbours[v]
                        .iter()
                        .filter(|&&u| self.column[u] == side)
                        .map(|&u| row[u])
                        .collect();
                    if near.is_empty() {
                        // Stays where it is: its own row, scaled like a mean.
                        row[v] * 2
                    } else {
                        near.iter().sum::<usize>() * 2 / near.len()
                    }
                };
                self.columns[c].sort_by_key(|&v| (key(v), v));
                for (r, &v) in self.columns[c].iter().enumerate() {
                    row[v] = r;
                }
            }
        }
    }
}

/// The edges of `out` that keep it acyclic: a depth-first search in index order
/// drops every edge back to a node still on its stack.
fn acyclic(out: &[Vec<usize>]) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; out.len()];
    let mut kept = Vec::new();
    for root in 0..out.len() {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative: (node, next successor to look at).
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&t) = out[v].get(*next) {
                *next += 1;
                match mark[t] {
                    Mark::Open => {}
                    Mark::New => {
                        kept.push((v, t));
                        mark[t] = Mark::Open;
                        stack.push((t, 0));
                    }
                    Mark::Done => kept.push((v, t)),
                }
            } else {
                mark[v] = Mark::Done;
                stack.pop();
            }
        }
    }
    kept.sort_unstable();
    kept.dedup();
    kept
}

fn draw(
    names: &[String],
    layout: &Layout,
    links: &BTreeMap<(String, String), Link>,
    index: &BTreeMap<&str, usize>,
    external: &BTreeSet<&str>,
) -> String {
    let node_w = |v: usize| match names.get(v) {
        Some(name) if v < layout.real => name.chars().count() * CHAR_W + 2 * PAD_X,
        _ => 0,
    };
    let all = layout.column.len();
    let (mut x, mut y) = (vec![0usize; all], vec![0usize; all]);
    // A waypoint's span across its column: (left, right).
    let mut span = vec![(0usize, 0usize); all];
    // A service takes a row of its height; a waypoint a thin one.
    let step = |v: usize| {
        if v < layout.real {
            NODE_H + GAP_Y
        } else {
            WAY_H
        }
    };
    let heights: Vec<usize> = layout
        .columns
        .iter()
        .map(|col| col.iter().map(|&v| step(v)).sum())
        .collect();
    let tallest = heights.iter().copied().max().unwrap_or(0);
    let mut left = MARGIN;
    for (col, h) in layout.columns.iter().zip(&heights) {
        let width = col.iter().map(|&v| node_w(v)).max().unwrap_or(0);
        let mut top = MARGIN + (tallest - h) / 2;
        for &v in col {
            x[v] = left;
            // A waypoint's line runs through the middle of its thin row.
            y[v] = if v < layout.real {
                top
            } else {
                (top + WAY_H / 2).saturating_sub(NODE_H / 2)
            };
            span[v] = (left, left + width);
            top += step(v);
        }
        left += width + GAP_X;
    }
    let width = left - GAP_X + MARGIN;
    // Room below the nodes for the loops of edges that go back or stay in a column.
    let loops = links.keys().any(|(f, t)| {
        let (f, t) = (index[f.as_str()], index[t.as_str()]);
        layout.column[t] <= layout.column[f]
    });
    let height =
        2 * MARGIN + tallest.saturating_sub(GAP_Y) + if loops { NODE_H + GAP_Y + 30 } else { 0 };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Integration map: {} services, {} links\">\n",
        names.len(),
        links.len()
    );
    svg.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" class=\"arrowhead\"/></marker></defs>\n");
    let half = NODE_H / 2;
    for ((from, to), link) in links {
        let (f, t) = (index[from.as_str()], index[to.as_str()]);
        let (x1, y1) = (x[f] + node_w(f), y[f] + half);
        let (x2, y2) = (x[t], y[t] + half);
        let d = if f == t {
            format!(
                "M{x1},{y1} C{},{} {},{} {},{}",
                x1 + 40,
                y1 + 30,
                x[t] + node_w(t) / 2,
                y[t] + NODE_H + 30,
                x[t] + node_w(t) / 2,
                y[t] + NODE_H
            )
        } else if x2 > x1 {
            // Through each waypoint: a curve into the column, straight across it.
            let mut d = format!("M{x1},{y1}");
            let (mut px, mut py) = (x1, y1);
            for &w in layout.waypoints.get(&(f, t)).into_iter().flatten() {
                let (wl, wr) = span[w];
                let wy = y[w] + half;
                let dx = wl.saturating_sub(px) / 2;
                d.push_str(&format!(
                    " C{},{py} {},{wy} {wl},{wy} L{wr},{wy}",
                    px + dx,
                    wl - dx
                ));
                (px, py) = (wr, wy);
            }
            let dx = x2.saturating_sub(px) / 2;
            d.push_str(&format!(" C{},{py} {},{y2} {x2},{y2}", px + dx, x2 - dx));
            d
        } else {
            // Back to an earlier column or within one: a loop below both.
            let low = y1.max(y2) + NODE_H + GAP_Y;
            format!(
                "M{x1},{y1} C{},{low} {},{low} {x2},{y2}",
                x1 + 60,
                x2.saturating_sub(60)
            )
        };
        let class = if link.flagged > 0 {
            "edge flagged"
        } else {
            "edge"
        };
        let mut title = format!(
            "{} → {}: {} integration point{}",
            from,
            to,
            link.count,
            if link.count == 1 { "" } else { "s" }
        );
        if link.flagged > 0 {
            let rules: Vec<&str> = link.rules.iter().map(String::as_str).collect();
            title.push_str(&format!(
                ", {} with findings ({})",
                link.flagged,
                rules.join(", ")
            ));
        }
        svg.push_str(&format!(
            "<path class=\"{class}\" d=\"{d}\" marker-end=\"url(#arrow)\"><title>{}</title></path>\n",
            esc(&title)
        ));
    }
    for (v, name) in names.iter().enumerate() {
        let class = if name == MESH {
            "node mesh"
        } else if external.contains(name.as_str()) {
            "node external"
        } else {
            "node"
        };
        svg.push_str(&format!(
            "<g class=\"{class}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{NODE_H}\" rx=\"5\"/><text x=\"{}\" y=\"{}\">{}</text></g>\n",
            esc(name),
            x[v],
            y[v],
            node_w(v),
            x[v] + PAD_X,
            y[v] + half + 4,
            esc(name)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_longest_path_and_cycles_do_not_loop() {
        // 0 → 1 → 2, 0 → 2, and 2 → 0 closes a cycle.
        let layout = Layout::new(4, &[(0, 1), (1, 2), (0, 2), (2, 0)]);
        assert_eq!(layout.column[..4], [0, 1, 2, 0]);
        assert_eq!(layout.columns[0], vec![0, 3]);
        // 0 → 2 crosses column 1 through a waypoint there.
        assert_eq!(layout.waypoints[&(0, 2)], vec![4]);
        assert_eq!(layout.column[4], 1);
        assert!(layout.columns[1].contains(&4));
        assert_eq!(acyclic(&[vec![1], vec![0]]), vec![(0, 1)]);
    }

    #[test]
    fn names_are_text_in_the_svg() {
        use crate::graph::{Edge, LayerKind, Where};
        let edge = Edge {
            id: "x".into(),
            from: Some("<b>a</b>".into()),
            to: "c&d\"><script>".into(),
            origin: LayerKind::Code,
            at: Where {
                path: "a.rs".into(),
                line: 1,
                file: 0,
                span: crate::tree::Span::new(0, 0),
            },
            method: None,
            path: None,
            layers: Vec::new(),
            findings: vec!["<i>rule</i>".into()],
        };
        let graph = Graph {
            edges: vec![edge],
            ..Graph::default()
        };
        let (svg, alone) = render(&graph);
        assert!(alone.is_empty());
        assert!(!svg.contains("<b>") && !svg.contains("<script") && !svg.contains("<i>"));
        assert!(svg.contains(">&lt;b&gt;a&lt;/b&gt;</text>"), "{svg}");
        assert!(svg.contains("c&amp;d&quot;&gt;&lt;script&gt;"), "{svg}");
        assert!(svg.contains("&lt;i&gt;rule&lt;/i&gt;"), "{svg}");
    }

    #[test]
    fn rows_follow_the_neighbours() {
        // 0 → 3 and 1 → 2: column 1 is ordered like its callers.
        let layout = Layout::new(4, &[(0, 3), (1, 2)]);
        assert_eq!(layout.columns[1], vec![3, 2]);
    }
}
