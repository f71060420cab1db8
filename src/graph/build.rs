//! Building the graph: every platform's contribution in [`PLATFORMS`] order, in two
//! parts so that the engine can run the first beside the Rust link step.

use rayon::prelude::*;

use super::{
    code, consul, envoy, gateway_api, host, istio, kong, kube, linkerd, order, owners, path, plan,
    spring, Added, Builder, Graph, Places, Settings, VERSION,
};
use crate::workspace::Workspace;

/// How one platform adds its services, edges and routes: directly, or read ahead
/// into a [`plan::Recorder`] (from the configuration's documents alone, beside the
/// Rust link step) and added in its turn ([`plan::replay`]).
#[derive(Clone, Copy)]
pub enum Contribute {
    Direct(fn(&mut Builder)),
    Planned(fn(&mut plan::Recorder)),
}

/// Every platform's contribution, in order: services that name others first
/// (Kubernetes), then ties and code calls, then mesh routes and gateway routes.
/// A new platform adds one function here. Those before [`FIRST_READING_CODE`] read
/// the configuration's documents alone (see [`build_configuration`]), and so do the
/// planned ones, which all come after it.
pub const PLATFORMS: &[(&str, Contribute)] = &[
    ("kubernetes", Contribute::Direct(kube::add)),
    ("istio", Contribute::Direct(istio::add)),
    ("linkerd", Contribute::Direct(linkerd::add)),
    ("consul", Contribute::Direct(consul::add)),
    ("code", Contribute::Direct(code::add)),
    ("spring-cloud-gateway", Contribute::Direct(spring::add)),
    ("gateway-api", Contribute::Planned(gateway_api::plan)),
    ("kong", Contribute::Planned(kong::plan)),
    ("envoy", Contribute::Planned(envoy::plan)),
];

/// The first platform of [`PLATFORMS`] that reads the Rust documents or what an
/// earlier one added from them: `code` (and the gateways after it resolve short
/// host names among the code's services too).
const FIRST_READING_CODE: usize = 4;

/// The graph as far as the configuration's own platforms take it: what
/// [`build_configuration`] hands to [`build_rest`].
pub struct Partial {
    places: Places,
    added: Added,
    /// What the planned platforms recorded, in [`PLATFORMS`] order.
    plans: Vec<Vec<plan::Op>>,
}

/// Builds the graph of a workspace.
pub fn build(ws: &Workspace, settings: &Settings) -> Graph {
    build_rest(ws, settings, build_configuration(ws, settings))
}

/// The contributions of the platforms before [`FIRST_READING_CODE`], which read only
/// configuration documents: the engine builds them while the Rust packages are
/// still being linked, from a workspace of the configuration's documents (which
/// [`build_rest`]'s workspace holds first, in the same order, with the same files).
pub fn build_configuration(ws: &Workspace, settings: &Settings) -> Partial {
    let mut b = Builder {
        ws,
        settings,
        places: Places::new(ws.files.len()),
        added: Added::default(),
    };
    for (_, name, entry) in settings.all_services() {
        let Some(service) = host::key(name) else {
            continue;
        };
        for alias in &entry.hosts {
            if let Some(a) = host::parse(alias) {
                b.added.aliases.insert(a.host.id(), service.clone());
            }
        }
    }
    // The planned platforms read (in parallel) while the others add.
    let (plans, ()) = rayon::join(
        || {
            PLATFORMS
                .par_iter()
                .filter_map(|(_, c)| match c {
                    Contribute::Planned(read) => Some(read),
                    Contribute::Direct(_) => None,
                })
                .map(|read| {
                    let mut r = plan::Recorder::new(ws);
                    read(&mut r);
                    r.into_ops()
                })
                .collect()
        },
        || {
            for (_, contribute) in &PLATFORMS[..FIRST_READING_CODE] {
                if let Contribute::Direct(add) = contribute {
                    add(&mut b);
                }
            }
        },
    );
    Partial {
        places: b.places,
        added: b.added,
        plans,
    }
}

/// The other platforms' contributions on top of `partial` (made by
/// [`build_configuration`] from the configuration's part of `ws`), and the graph.
pub fn build_rest(ws: &Workspace, settings: &Settings, partial: Partial) -> Graph {
    let Partial {
        mut places,
        added,
        plans,
    } = partial;
    // The same files as the partial graph's (a shorter list would be a caller's
    // mistake: its places are made anew rather than indexed out of bounds).
    places
        .0
        .resize_with(ws.files.len(), std::sync::OnceLock::new);
    let mut b = Builder {
        ws,
        settings,
        places,
        added,
    };
    // Planned platforms are all after the code (their hosts resolve among its services).
    let mut plans = plans.into_iter();
    for (_, contribute) in &PLATFORMS[FIRST_READING_CODE..] {
        match contribute {
            Contribute::Direct(add) => add(&mut b),
            Contribute::Planned(_) => plan::replay(&mut b, plans.next().unwrap_or_default()),
        }
    }
    path::attach_routes(&mut b.added.edges, &b.added.routes);
    let mut edges = b.added.edges;
    let mut routes = b.added.routes;
    for to in &b.added.route_hosts {
        for r in routes.remove(to).unwrap_or_default() {
            edges.push(path::mesh_edge(to, r));
        }
    }
    let mut edges = order::sorted(edges, &ws.files);
    edges.dedup_by(|a, b| a.id == b.id);
    let mut packages: Vec<(String, String)> = b
        .added
        .code_service
        .iter()
        .map(|(manifest, service)| {
            (
                owners::dir_of(&ws.files[*manifest].display),
                service.clone(),
            )
        })
        .collect();
    packages.sort();
    let mut ties = b.added.ties;
    ties.sort();
    ties.dedup();
    let mut services = b.added.services;
    services.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for s in &mut services {
        s.sources = order::sorted_sources(std::mem::take(&mut s.sources));
    }
    Graph {
        version: VERSION,
        services,
        edges,
        ties,
        packages,
    }
}
