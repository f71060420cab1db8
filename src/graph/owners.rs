//! Which service a place in a file belongs to, so that findings and counted
//! integration points can be grouped and counted per service.
//!
//! The graph says it through its ties:
//! - a layer on an edge belongs to the caller when it is the caller's code, and to
//!   the destination otherwise (a mesh route, a gateway route or a DestinationRule
//!   protects the calls *to* its service);
//! - a Kubernetes Service or Deployment belongs to the service it names;
//! - any other place in a code package's Rust files (a handler, a client without a
//!   known target) belongs to the service the package is tied to.
//!
//! A place inside several of these takes the smallest (a route inside its
//! document), then the first service id, so the answer never depends on order.

use std::collections::{BTreeMap, HashMap};

use super::{Graph, LayerKind};
use crate::judge::Counted;
use crate::report::{Category, CoverageLine, Finding, ServiceCoverage};
use crate::source::SourceFile;

/// The directory part of a shown path, `/`-terminated (empty for a bare file name).
pub fn dir_of(shown: &str) -> String {
    match shown.rfind('/') {
        Some(i) => shown[..=i].to_string(),
        None => String::new(),
    }
}

/// One attributed range of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    start: usize,
    end: usize,
    service: String,
}

/// Places of the graph by path, for lookups.
#[derive(Debug, Default)]
pub struct Owners {
    /// Sorted by start; `reach[i]` is the largest end among places `0..=i`.
    by_path: HashMap<String, (Vec<Place>, Vec<usize>)>,
    /// Package directories, longest first.
    packages: Vec<(String, String)>,
}

impl Owners {
    pub fn of(graph: &Graph) -> Self {
        Self::of_paths(graph, |_| true)
    }

    /// [`Owners::of`] for the files whose shown path `wanted` keeps: the pre-commit
    /// mode asks about five files of a graph that spans thousands.
    pub fn of_paths(graph: &Graph, wanted: impl Fn(&str) -> bool) -> Self {
        let mut places: HashMap<String, Vec<Place>> = HashMap::new();
        let mut add = |path: &str, start: usize, end: usize, service: &str| {
            if !wanted(path) {
                return;
            }
            places.entry(path.to_string()).or_default().push(Place {
                start,
                end: end.max(start + 1),
                service: service.to_string(),
            });
        };
        for edge in &graph.edges {
            for l in &edge.layers {
                let owner = match (l.layer, &edge.from) {
                    (LayerKind::Code, Some(from)) => from,
                    _ => &edge.to,
                };
                let settings = [&l.timeout, &l.breaker, &l.idempotency];
                let wheres = std::iter::once(&l.at)
                    .chain(&l.related)
                    .chain(settings.into_iter().flatten().map(|s| &s.at))
                    .chain(l.retries.as_ref().map(|r| &r.at));
                for w in wheres {
                    add(&w.path, w.span.start, w.span.end, owner);
                }
            }
        }
        for s in &graph.services {
            for src in s
                .sources
                .iter()
                .filter(|x| x.layer == LayerKind::Kubernetes)
            {
                add(&src.at.path, src.at.span.start, src.at.span.end, &s.id);
            }
        }
        let by_path = places
            .into_iter()
            .map(|(path, mut list)| {
                list.sort();
                list.dedup();
                let mut max = 0;
                let reach = list
                    .iter()
                    .map(|p| {
                        max = max.max(p.end);
                        max
                    })
                    .collect();
                (path, (list, reach))
            })
            .collect();
        let mut packages = graph.packages.clone();
        packages.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        Owners { by_path, packages }
    }

    /// The service the bytes `start..end` of the file shown as `path` belong to.
    pub fn service(&self, path: &str, start: usize, end: usize) -> Option<&str> {
        let end = end.max(start + 1);
        if let Some((list, reach)) = self.by_path.get(path) {
            // Places starting inside the range, then those starting before it that
            // still reach into it (`reach` stops the walk back).
            let first = list.partition_point(|p| p.start < start);
            let inside = first + list[first..].partition_point(|p| p.start < end);
            let before = (0..first).rev().take_while(|&i| reach[i] > start);
            let best = (first..inside)
                .chain(before)
                .map(|i| &list[i])
                .filter(|p| p.start < end && start < p.end)
                .min_by(|a, b| (a.end - a.start, &a.service).cmp(&(b.end - b.start, &b.service)));
            if let Some(b) = best {
                return Some(b.service.as_str());
            }
        }
        // Only code falls back to its package: a YAML file beside a crate is not its.
        let code = path.ends_with(".rs") || path.ends_with("Cargo.toml");
        self.packages
            .iter()
            .filter(|_| code)
            .find(|(dir, _)| path.starts_with(dir.as_str()))
            .map(|(_, service)| service.as_str())
    }
}

/// Coverage per service: every counted integration point and every finding the
/// graph attributes to a service ([`Owners`]), in service id order. Places no
/// service is known for are in no entry.
pub fn per_service(
    graph: &Graph,
    files: &[SourceFile],
    counted: &[Counted],
    findings: &[Finding],
) -> Vec<ServiceCoverage> {
    // Only the files asked about: those of the counted points and the findings.
    let asked: std::collections::HashSet<&str> = counted
        .iter()
        .filter_map(|c| files.get(c.file))
        .map(|f| f.display.as_str())
        .chain(findings.iter().map(|f| f.location.path.as_str()))
        .collect();
    let owners = Owners::of_paths(graph, |path| asked.contains(path));
    // Per service: (covered, total) per category, and the finding count.
    type Tally = (BTreeMap<Category, (usize, usize)>, usize);
    let mut counts: BTreeMap<&str, Tally> = BTreeMap::new();
    for c in counted {
        let Some(file) = files.get(c.file) else {
            continue;
        };
        if let Some(service) = owners.service(&file.display, c.span.start, c.span.end) {
            let entry = counts.entry(service).or_default().0.entry(c.category);
            let (covered, total) = entry.or_default();
            *covered += usize::from(c.covered);
            *total += 1;
        }
    }
    for f in findings {
        let (start, end) = f.byte_range;
        if let Some(service) = owners.service(&f.location.path, start, end) {
            counts.entry(service).or_default().1 += 1;
        }
    }
    counts
        .into_iter()
        .map(|(service, (by_category, findings))| ServiceCoverage {
            service: service.to_string(),
            coverage: Category::ALL
                .iter()
                .map(|c| {
                    let (covered, total) = by_category.get(c).copied().unwrap_or_default();
                    (*c, CoverageLine::new(covered, total))
                })
                .collect(),
            findings,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(places: &[(&str, usize, usize, &str)], packages: &[(&str, &str)]) -> Owners {
        let mut by: HashMap<String, Vec<Place>> = HashMap::new();
        for (path, start, end, service) in places {
            by.entry(path.to_string()).or_default().push(Place {
                start: *start,
                end: *end,
                service: service.to_string(),
            });
        }
        let by_path = by
            .into_iter()
            .map(|(p, mut l)| {
                l.sort();
                let mut max = 0;
                let reach = l
                    .iter()
                    .map(|x| {
                        max = max.max(x.end);
                        max
                    })
                    .collect();
                (p, (l, reach))
            })
            .collect();
        Owners {
            by_path,
            packages: packages
                .iter()
                .map(|(d, s)| (d.to_string(), s.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_smallest_place_wins_then_the_package() {
        let o = owners(
            &[
                ("k.yaml", 0, 100, "payments"),
                ("k.yaml", 10, 20, "fraud"),
                ("k.yaml", 30, 40, "ledger"),
            ],
            &[("svc/checkout/", "checkout")],
        );
        assert_eq!(o.service("k.yaml", 12, 14), Some("fraud"));
        assert_eq!(o.service("k.yaml", 25, 26), Some("payments"));
        assert_eq!(o.service("k.yaml", 5, 35), Some("fraud"));
        assert_eq!(o.service("k.yaml", 200, 210), None);
        assert_eq!(
            o.service("svc/checkout/src/main.rs", 0, 5),
            Some("checkout")
        );
        assert_eq!(o.service("svc/other/main.rs", 0, 5), None);
        assert_eq!(dir_of("a/b/c.rs"), "a/b/");
        assert_eq!(dir_of("Cargo.toml"), "");
    }
}
