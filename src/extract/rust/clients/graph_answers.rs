//! What the run's call graph answers for the breaker rule, per package: built once,
//! only when some question needs it ([`call_graph_answers`]).

use std::path::PathBuf;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::callgraph::CallGraph;
use super::detached::detached_functions;
use super::gates::gated_functions;
use super::guards::{any_breaker_shape, hand_guarded};
use super::handed::handed_functions;
use super::jobs::job_functions;
use super::logins::login_functions;
use super::periodic::periodic_functions;
use super::pools::pooled_functions;
use super::request_path::{has_entries, request_path, RequestPaths};
use super::roles::Role;
use super::timed::timed_functions;
use super::tools::{command_only_functions, tool_only_functions, Tools};
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Per package, what the run's call graph answers (see [`call_graph_answers`]).
pub(super) struct GraphAnswers {
    pub(super) functions: Vec<Option<HashSet<String>>>,
    pub(super) guarded: Vec<HashMap<String, String>>,
    pub(super) periodic: Vec<HashMap<String, String>>,
    pub(super) detached: Vec<HashMap<String, String>>,
    pub(super) gated: Vec<HashMap<String, String>>,
    pub(super) jobs: Vec<HashMap<String, String>>,
    pub(super) pooled: Vec<HashMap<String, String>>,
    pub(super) timed: Vec<HashMap<String, String>>,
    pub(super) handed: Vec<HashMap<String, String>>,
    pub(super) logins: Vec<HashMap<String, String>>,
    pub(super) requests: RequestPaths,
}

impl GraphAnswers {
    pub(super) fn none(n: usize) -> Self {
        GraphAnswers {
            functions: vec![None; n],
            guarded: vec![HashMap::default(); n],
            periodic: vec![HashMap::default(); n],
            detached: vec![HashMap::default(); n],
            gated: vec![HashMap::default(); n],
            jobs: vec![HashMap::default(); n],
            pooled: vec![HashMap::default(); n],
            timed: vec![HashMap::default(); n],
            handed: vec![HashMap::default(); n],
            logins: vec![HashMap::default(); n],
            requests: RequestPaths {
                off: vec![None; n],
                bounded: vec![None; n],
            },
        }
    }
}

/// Per package, the answers the run's call graph gives: the functions only one-shot
/// tools run ([`tool_only_functions`]), those a hand-written breaker guards
/// ([`hand_guarded`]), those only periodic loops run ([`periodic_functions`]), those
/// only detached tasks run ([`detached_functions`]), those only a command gate runs
/// ([`gated_functions`]), those only queued jobs run ([`job_functions`]), those only
/// pool connects run ([`pooled_functions`]), those only
/// timeout wrappers run ([`timed_functions`]), those every caller hands a bounded
/// request ([`handed_functions`]), those of a browser login ([`login_functions`]),
/// those no request reaches
/// ([`request_path`]). The graph is built only when a question needs
/// it (most runs have no tool beside a library, no hand-written breaker, no periodic
/// loop, no detached task, no command gate, no timeout wrapper, no request wrapper and
/// no request entry).
pub(super) fn call_graph_answers(
    packages: &[(Option<&Deps>, &[PackageFile])],
    paths: &[Vec<PathBuf>],
    catalog: &Catalog,
    tools: &Tools,
    reached: &[bool],
    gates: &[Vec<String>],
    roles: &[Role],
) -> GraphAnswers {
    let entries = &catalog.hand_breakers;
    let files: Vec<&[PackageFile]> = packages.iter().map(|(_, f)| *f).collect();
    let asked = Questions::of(&files, catalog, tools, reached, gates);
    let n = packages.len();
    if !asked.any() {
        return GraphAnswers::none(n);
    }
    let g = &CallGraph::of(&files);
    let none = || vec![HashMap::default(); n];
    let tool_bodies = || tools.by_body(packages, g.bodies.len());
    let long_running = long_running(roles, packages);
    GraphAnswers {
        functions: tool_functions(g, packages, tools, reached, (asked.tools, asked.commands)),
        guarded: if asked.guards {
            hand_guarded(g, n, entries)
        } else {
            none()
        },
        periodic: match asked.loops {
            true => periodic_functions(g, &files, &tool_bodies()),
            false => none(),
        },
        detached: if asked.spawns {
            detached_functions(g, &files)
        } else {
            none()
        },
        gated: match asked.gated {
            true => gated_functions(g, &files, paths, gates),
            false => none(),
        },
        jobs: if asked.jobs {
            job_functions(g, &files)
        } else {
            none()
        },
        pooled: match asked.pools {
            true => pooled_functions(g, &files),
            false => none(),
        },
        timed: match asked.timed {
            true => timed_functions(g, &files, &tools.reach(packages)),
            false => none(),
        },
        handed: match asked.handed {
            true => handed_functions(g, &files, &tools.reach(packages)),
            false => none(),
        },
        logins: match asked.logins {
            true => login_functions(g, &files, &tools.reach(packages)),
            false => none(),
        },
        requests: match asked.requests {
            true => request_path(
                g,
                &files,
                paths,
                &long_running,
                tools.users,
                &tools.reach(packages),
            ),
            false => RequestPaths {
                off: vec![None; n],
                bounded: vec![None; n],
            },
        },
    }
}

/// Per package: whether it runs long, which the request-path question asks. A
/// command-line tool with a library part runs long when a file of it does
/// (shipper-watch's accept loop).
fn long_running(roles: &[Role], packages: &[(Option<&Deps>, &[PackageFile])]) -> Vec<bool> {
    (roles.iter().zip(packages))
        .map(|(r, (_, files))| match r {
            Role::LongRunning => true,
            Role::CliLibrary => files.iter().any(|(_, f)| f.long_running),
            _ => false,
        })
        .collect()
}

/// Which questions the run asks of the call graph ([`call_graph_answers`]): each is
/// answered only when asked, and the graph is built only when one is.
struct Questions {
    tools: bool,
    commands: bool,
    guards: bool,
    loops: bool,
    spawns: bool,
    gated: bool,
    jobs: bool,
    pools: bool,
    timed: bool,
    handed: bool,
    logins: bool,
    requests: bool,
}

impl Questions {
    /// What the packages' `files` (and their tools, reach and command gates) ask.
    fn of(
        files: &[&[PackageFile]],
        catalog: &Catalog,
        tools: &Tools,
        reached: &[bool],
        gates: &[Vec<String>],
    ) -> Questions {
        let all_fns = files
            .iter()
            .flat_map(|f| f.iter())
            .flat_map(|(_, f)| &f.routes.fns);
        let any =
            |has: &dyn Fn(&FileFacts) -> bool| files.iter().any(|f| f.iter().any(|(_, f)| has(f)));
        Questions {
            tools: (0..reached.len()).any(|j| reached[j] || tools.runs_long_for_tools(j, reached))
                && tools.any(),
            commands: (0..tools.methods.len()).any(|j| tools.runs_commands(j)),
            guards: any_breaker_shape(all_fns, &catalog.hand_breakers),
            loops: any(&|f| !f.periodic.is_empty() || !f.closure_args.is_empty()),
            spawns: any(&|f| !f.detached.is_empty()),
            gated: gates.iter().any(|g| !g.is_empty()),
            jobs: any(&|f| !f.jobs.is_empty()),
            pools: any(&|f| !f.pooled.is_empty()),
            timed: any(&|f| !f.timed.is_empty()),
            handed: any(&|f| f.param_requests),
            logins: any(&|f| !f.login_openers.is_empty() || !f.prompters.is_empty()),
            requests: any(&has_entries),
        }
    }

    /// Whether any question is asked.
    fn any(&self) -> bool {
        self.tools
            || self.commands
            || self.guards
            || self.loops
            || self.spawns
            || self.gated
            || self.jobs
            || self.pools
            || self.timed
            || self.handed
            || self.logins
            || self.requests
    }
}

/// Per package, the functions only one-shot tools run ([`functions_of`]): those a
/// library's tools call when the run asks about tools, those a package's one-shot
/// subcommands run when it asks about commands.
fn tool_functions(
    g: &CallGraph,
    packages: &[(Option<&Deps>, &[PackageFile])],
    tools: &Tools,
    reached: &[bool],
    (tools_question, commands_question): (bool, bool),
) -> Vec<Option<HashSet<String>>> {
    let n = packages.len();
    functions_of(
        match tools_question {
            true => tool_only_functions(g, packages, tools, reached),
            false => vec![None; n],
        },
        match commands_question {
            true => command_only_functions(g, packages, tools),
            false => vec![None; n],
        },
    )
}

/// Per package, the functions only one-shot tools run: those a library's tools call
/// and those a package's own one-shot subcommands run, together.
fn functions_of(
    libraries: Vec<Option<HashSet<String>>>,
    commands: Vec<Option<HashSet<String>>>,
) -> Vec<Option<HashSet<String>>> {
    (libraries.into_iter().zip(commands))
        .map(|(l, c)| match (l, c) {
            (Some(mut l), Some(c)) => {
                l.extend(c);
                Some(l)
            }
            (l, c) => l.or(c),
        })
        .collect()
}
