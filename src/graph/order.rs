//! The graph's output order: edges by place, a service's sources by place, each
//! sorted without moving large values more than once.

use super::{Edge, Source, Where};
use crate::source::SourceFile;

/// A service's sources by place and text, each once (the first of equal ones: the
/// sort is stable, so this is the order of adding them without repeats, sorted).
pub(super) fn sorted_sources(mut sources: Vec<Source>) -> Vec<Source> {
    sources.sort_by(|a, b| (&a.at, &a.what).cmp(&(&b.at, &b.what)));
    let mut out: Vec<Source> = Vec::with_capacity(sources.len());
    let mut group = 0;
    for s in sources {
        if out
            .last()
            .is_some_and(|l| (&l.at, &l.what) != (&s.at, &s.what))
        {
            group = out.len();
        }
        if !out[group..].contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The edges in the map's order: by place (path, line, file, span), then target and id.
///
/// Sorts small keys, not the edges: an edge is a few hundred bytes, and a merge
/// sort moves each one about log n times, memory traffic that outgrew the edges on
/// a large graph. A file's path is its rank among the files' paths, so only edges
/// at the same place compare strings. Each edge then moves once, to its place.
pub(super) fn sorted(edges: Vec<Edge>, files: &[SourceFile]) -> Vec<Edge> {
    let mut by_path: Vec<usize> = (0..files.len()).collect();
    by_path.sort_by(|a, b| files[*a].display.cmp(&files[*b].display));
    let mut rank = vec![0usize; files.len()];
    for (i, pair) in by_path.windows(2).enumerate() {
        let same = files[pair[0]].display == files[pair[1]].display;
        rank[pair[1]] = if same { rank[pair[0]] } else { i + 1 };
    }
    let place = |w: &Where| {
        // `Where::new` takes the path from the file; one made otherwise ranks by its own.
        let known = files.get(w.file).is_some_and(|f| f.display == *w.path);
        (known.then(|| rank[w.file]), w.line, w.file, w.span)
    };
    let mut keys: Vec<_> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| (place(&e.at), i))
        .collect();
    keys.sort_by(|(ka, a), (kb, b)| {
        let (ea, eb) = (&edges[*a], &edges[*b]);
        match (ka.0, kb.0) {
            (Some(_), Some(_)) => ka.cmp(kb),
            _ => ea.at.cmp(&eb.at),
        }
        .then_with(|| (&ea.to, &ea.id).cmp(&(&eb.to, &eb.id)))
    });
    let mut slots: Vec<Option<Edge>> = edges.into_iter().map(Some).collect();
    keys.into_iter()
        .filter_map(|(_, i)| slots[i].take())
        .collect()
}
