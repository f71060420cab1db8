//! Which packages of a run a breaker is for: a library's calls are judged only when a
//! long-running package of the run reaches the library.
//!
//! A circuit breaker protects a long-running process under concurrent load (a server,
//! a consumer, a daemon) from piling up on a failing dependency. Who should put one
//! around a library's calls is its callers' decision: a library (an SDK) cannot tell
//! whether it runs in a service that needs a breaker, in a batch job, or in a command
//! a person runs once. So a library's calls are subjects only when a long-running
//! package of the same run depends on it, directly or through other libraries of the
//! run (`checkout` → `sync-client` → `wire`). A library no package of the run depends
//! on is an SDK whose callers live elsewhere; one depended on only by one-shot
//! command-line tools has no long-running caller. What role each package plays is
//! [`super::roles`].

use std::path::PathBuf;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::entries::{
    local_server_tool, needs_no_service, one_shot_arms, one_shot_files, quiet_by, runs_package,
    serves, shows, LongRunning,
};
use super::foreign::{foreign_chains, Foreign};
use super::graph_answers::{call_graph_answers, GraphAnswers};
use super::link_key::{by_key, fn_name, key_type, typed_key};
use super::package::one_shot;
use super::request_path::OffPath;
use super::returned::add_returned_chains;
use super::roles::{
    bins, command_gates, command_methods, own_name, parses_command_line, role, runs_a_process,
    serves_command_line, Role,
};
use super::tools::Tools;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::{Deps, FileFacts};
use crate::tree::Span;

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Who reaches a package's calls, for the breaker rule.
#[derive(Debug, Default)]
pub struct LibraryReach {
    /// Types a wildcard constructor of the package matched (`MdsClient::connect` by
    /// `**::?*Client::connect`) that a package of the run defines: the workspace's own
    /// wrappers, not generated clients ([`own_wildcard_types`]).
    pub own_types: HashSet<String>,
    /// The package is built into no program: a library member of the workspace that
    /// cannot be published and that no package of the run depends on
    /// ([`built_into_nothing`]). Nothing of it is judged or counted.
    pub built_into_nothing: bool,
    /// Functions clients are built in that never run in the shipped program: only
    /// tests call them ([`super::test_only`]) or nothing does ([`super::dead`]).
    pub unrun_fns: HashSet<String>,
    /// The same by `Type::name`: inherent functions only dead code reaches through
    /// their type's path ([`super::dead_paths`]).
    pub unrun_paths: HashSet<String>,
    /// The types nothing of the run makes ([`super::dead_types`]): their functions
    /// never run.
    pub unmade_types: HashSet<String>,
    /// Why no long-running package of the run reaches the package, when none does.
    pub unreached: Option<String>,
    /// `unreached` because nothing of the run uses the package (an SDK, whose callers
    /// are unknown), not because only one-shot tools do.
    pub sdk: bool,
    /// The package dispatches one-shot subcommands to methods of its own
    /// ([`super::entries::one_shot_methods`]): its callers are its own, and its
    /// functions only those methods run are the tools' (`functions`), SDK or not.
    pub dispatches: bool,
    /// For a library some long-running package reaches: the names of its functions
    /// only one-shot tools call ([`tool_only_functions`]).
    pub functions: Option<HashSet<String>>,
    /// Per file of a long-running package: why only a one-shot command of it runs
    /// the file, when so ([`super::entries`]).
    pub commands: Vec<Option<String>>,
    /// The bodies of its one-shot subcommands done in place, by (package file index,
    /// span), each with why ([`super::entries::one_shot_arms`]).
    pub inline_commands: Vec<(usize, Span, String)>,
    /// Client entries (by catalogue index) that are another in this package, which
    /// asks for an earlier version of their crate ([`Catalog::legacy_api`]).
    pub legacy: HashMap<usize, usize>,
    /// The package looks like a one-shot tool by its dependencies but one of its
    /// commands runs long ([`runs_long`]): its calls are not the tool's.
    pub runs_long: bool,
    /// The package's functions whose calls run under a hand-written breaker, each with
    /// why ([`super::guards`]).
    pub guarded: HashMap<String, String>,
    /// The package's functions only periodic loops run, each with why
    /// ([`super::periodic`]).
    pub periodic: HashMap<String, String>,
    /// The package's functions only detached tasks run, each with why
    /// ([`super::detached`]).
    pub detached: HashMap<String, String>,
    /// The package's functions only a command gate of its `main` runs, each with why
    /// ([`super::gates`]).
    pub gated: HashMap<String, String>,
    /// The package's functions only queued jobs run, each with why
    /// ([`super::jobs`]).
    pub jobs: HashMap<String, String>,
    /// The package's functions only a connection pool's connects run, each with why
    /// ([`super::pools`]).
    pub pooled: HashMap<String, String>,
    /// The package's functions only timeout wrappers run (a caller's
    /// `timeout(d, ..)`, any number of calls up), each with why ([`super::timed`]).
    pub timed: HashMap<String, String>,
    /// The package's functions every caller hands a request with its own timeout,
    /// each with why ([`super::handed`]).
    pub handed: HashMap<String, String>,
    /// The run's functions that return a request they set a timeout on, by key
    /// ([`super::handed`]).
    pub makers: HashSet<String>,
    /// The run's functions that send a request-builder parameter only with a
    /// timeout ([`super::senders`]).
    pub senders: HashSet<String>,
    /// The run's constants that hold one local address ([`super::run_consts`]).
    pub local_consts: HashMap<String, String>,
    /// The package's functions that are a person's sign-in through the browser, each
    /// with why ([`super::logins`]).
    pub logins: HashMap<String, String>,
    /// When the run serves requests: the package's functions no request entry
    /// reaches, by (package file index, name) ([`super::request_path`]).
    pub off_path: Option<OffPath>,
    /// The package's functions only requests a server-side timeout layer bounds run,
    /// by (package file index, name) ([`super::request_path`]).
    pub bounded: Option<OffPath>,
    /// Chains a handle of the package meets in another package's function it is
    /// handed to ([`super::foreign`]), by (package file index, handle).
    pub foreign: Foreign,
}

impl LibraryReach {
    /// Why only a one-shot command runs file `file` of the package, when so.
    pub fn command(&self, file: usize) -> Option<&str> {
        self.commands.get(file)?.as_deref()
    }

    /// Why code at `span` of package file `file` runs only as a one-shot command,
    /// when a one-shot subcommand's arm holds it.
    pub fn inline_command(&self, file: usize, span: Span) -> Option<&str> {
        (self.inline_commands.iter())
            .find(|(f, body, _)| *f == file && body.start <= span.start && span.end <= body.end)
            .map(|(_, _, why)| why.as_str())
    }

    /// Why a call made in function `in_fn` (a link key) runs under a hand-written
    /// breaker, when it does.
    pub fn hand_breaker(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.guarded, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) runs once per period, when
    /// only periodic loops run that function.
    pub fn periodic(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.periodic, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) is the command line's, when
    /// only a command gate of the package's `main` runs that function.
    pub fn gated(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.gated, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) is a person's browser login,
    /// when that function is one.
    pub fn login(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.logins, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) runs in a queued job, when
    /// only job methods run that function.
    pub fn job(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.jobs, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) is bounded by a caller's
    /// timeout wrapper, when only such wrappers run that function.
    pub fn timed(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.timed, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) of package file `file` cannot
    /// outlast the server's request timeout: only requests a timeout layer bounds run
    /// that function.
    pub fn request_bounded(&self, file: usize, in_fn: Option<&str>) -> Option<String> {
        let name = fn_name(in_fn?)?;
        let bounded = self.bounded.as_ref()?;
        bounded.contains(&(file, name.to_string())).then(|| {
            format!("only requests a server-side timeout layer bounds reach `{name}`: the layer drops the request, and this call with it, when it runs out")
        })
    }

    /// Why a call made in function `in_fn` (a link key) of package file `file` has
    /// no request waiting on it, when the run serves requests and none reaches that
    /// function.
    pub fn off_request_path(&self, file: usize, in_fn: Option<&str>) -> Option<String> {
        let name = fn_name(in_fn?)?;
        let off = self.off_path.as_ref()?;
        off.contains(&(file, name.to_string())).then(|| {
            format!("no request of this run reaches `{name}` (no route handler, middleware or RPC method calls it, directly or through what it calls): nobody waits on this call while it fails")
        })
    }

    /// Whether function `in_fn` (a link key) is one only tests call or none calls:
    /// its clients are test code or dead code.
    pub fn unrun(&self, in_fn: Option<&str>) -> bool {
        let Some(in_fn) = in_fn else { return false };
        let unmade = || key_type(in_fn).is_some_and(|t| self.unmade_types.contains(t));
        let path = || typed_key(in_fn).is_some_and(|k| self.unrun_paths.contains(k));
        fn_name(in_fn).is_some_and(|n| self.unrun_fns.contains(n)) || unmade() || path()
    }

    /// Why a call made in function `in_fn` (a link key) has no caller waiting on it,
    /// when only detached tasks run that function.
    pub fn detached(&self, in_fn: Option<&str>) -> Option<&str> {
        by_key(&self.detached, in_fn?).map(String::as_str)
    }

    /// Why a call made in function `in_fn` (a link key) is made by one-shot tools
    /// only: [`Self::why_not_judged`] but for an SDK, whose callers are unknown.
    pub fn tools_only(&self, in_fn: Option<&str>) -> Option<String> {
        if self.dispatches {
            return self.tool_function(in_fn);
        }
        match self.sdk {
            true => None,
            false => self.why_not_judged(in_fn),
        }
    }

    /// Why a call made in function `in_fn` (a link key) of this package needs no
    /// breaker of its own, if it needs none.
    pub fn why_not_judged(&self, in_fn: Option<&str>) -> Option<String> {
        if let Some(why) = &self.unreached {
            return Some(why.clone());
        }
        self.tool_function(in_fn)
    }

    /// Why function `in_fn` (a link key) runs for one-shot tools only, when it is
    /// among `functions`.
    fn tool_function(&self, in_fn: Option<&str>) -> Option<String> {
        let in_fn = in_fn?;
        let tool_only = self.functions.as_ref()?;
        let name = Some(fn_name(in_fn)?)
            .filter(|n| tool_only.contains(*n))
            .or_else(|| typed_key(in_fn).filter(|t| tool_only.contains(*t)))?;
        Some(format!(
            "a function (`{name}`) that only one-shot command-line tools of this run call"
        ))
    }
}

/// `users[j]`: the packages of the run that depend on package `j`.
pub(super) fn users_of(
    packages: &[(Option<&Deps>, &[PackageFile])],
    names: &[Option<&str>],
) -> Vec<Vec<usize>> {
    (0..packages.len())
        .map(|j| {
            let Some(name) = names[j] else {
                return Vec::new();
            };
            (0..packages.len())
                .filter(|&i| i != j)
                .filter(|&i| packages[i].0.is_some_and(|d| d.depends_on(name)))
                .collect()
        })
        .collect()
}

/// Per package (in the order given): who reaches its calls. One-shot tools are
/// reached by nobody here: their calls carry `one-shot` already. `paths`: per
/// package, its files' paths relative to its directory (empty: not known).
pub fn library_reach(
    packages: &[(Option<&Deps>, &[PackageFile])],
    paths: &[Vec<PathBuf>],
    catalog: &Catalog,
) -> Vec<LibraryReach> {
    let roles: Vec<Role> = packages
        .iter()
        .enumerate()
        .map(|(j, (deps, files))| role(*deps, files, paths.get(j), catalog))
        .collect();
    let names: Vec<Option<&str>> = packages.iter().map(|(d, _)| own_name(*d)).collect();
    let (long_running, running) = long_running_packages(packages, paths, &roles, &names);
    let users = users_of(packages, &names);
    let commands = package_commands(packages, paths, catalog, &roles, &users, &long_running);
    let via_commands = |user: usize, library: usize| -> Option<String> {
        reached_only_by_commands(packages[user].1, &commands[user], names[library]?)
            .map(|c| format!("{} ({c})", names[user].unwrap_or("?")))
    };
    let unreached: Vec<Option<String>> = (0..packages.len())
        .map(|j| {
            matches!(roles[j], Role::Library | Role::CliLibrary)
                .then(|| why_unreached(j, &roles, &users, &names, &via_commands))?
        })
        .collect();
    let reached: Vec<bool> = (0..packages.len())
        .map(|j| matches!(roles[j], Role::Library | Role::CliLibrary) && unreached[j].is_none())
        .collect();
    let tool_like = tool_like_packages(packages, (&roles, &names), &unreached, &users, &running);
    let gates = command_gates(packages, &roles, catalog);
    let methods = command_methods(packages, &roles, catalog);
    let tools = Tools {
        tool_like: &tool_like,
        commands: &commands,
        users: &users,
        methods: &methods,
    };
    let answers = call_graph_answers(packages, paths, catalog, &tools, &reached, &gates, &roles);
    let mut foreign = foreign_chains(packages, &names);
    add_returned_chains(packages, &names, &mut foreign);
    let runs_long: Vec<bool> = (0..packages.len())
        .map(|j| roles[j] != Role::OneShot && one_shot(packages[j].1).is_some())
        .collect();
    let sdk: Vec<bool> = (unreached.iter().zip(&tool_like))
        .map(|(u, t)| u.is_some() && !t)
        .collect();
    let dispatches: Vec<bool> = methods.iter().map(|m| !m.is_empty()).collect();
    let mut reach = assemble(
        unreached,
        commands,
        answers,
        foreign,
        (&sdk, &dispatches),
        &runs_long,
    );
    let files: Vec<&[PackageFile]> = packages.iter().map(|(_, f)| *f).collect();
    let makers = super::handed::request_makers(&files);
    let senders: HashSet<String> = (files.iter().flat_map(|p| p.iter()))
        .flat_map(|(_, f)| f.bounding_senders.iter().cloned())
        .collect();
    let local_consts = super::run_consts::local_consts(&files);
    for (j, r) in reach.iter_mut().enumerate() {
        r.makers.clone_from(&makers);
        r.local_consts.clone_from(&local_consts);
        r.senders.clone_from(&senders);
        r.legacy = (0..catalog.clients.len())
            .filter_map(|api| Some((api, catalog.legacy_api(api, packages[j].0)?)))
            .collect();
        if serves_command_line(packages[j].0, roles[j], catalog) {
            r.inline_commands = one_shot_arms(packages[j].1, &running);
        }
        let others = |k: usize| k != j && roles[k] == Role::LongRunning;
        let long_running_other = (0..roles.len()).any(others);
        r.built_into_nothing =
            built_into_nothing(packages[j], roles[j], &users[j], long_running_other);
    }
    reach
}

/// The packages a command naming one may run, each with what of it runs nothing:
/// for one-shot commands, long-running packages (quiet: no loop, framework or
/// route); for tools, any package that serves or waits for a shutdown signal.
fn long_running_packages<'n>(
    packages: &[(Option<&Deps>, &[PackageFile])],
    paths: &[Vec<PathBuf>],
    roles: &[Role],
    names: &[Option<&'n str>],
) -> (LongRunning<'n>, LongRunning<'n>) {
    let map = |keep: &dyn Fn(usize) -> bool, shows: fn(&FileFacts) -> bool| -> LongRunning {
        (0..packages.len())
            .filter(|&j| keep(j))
            .filter_map(|j| {
                let quiet = paths
                    .get(j)
                    .map(|p| quiet_by(packages[j].1, p, shows, &|_| true));
                Some((names[j]?, quiet.unwrap_or_default()))
            })
            .collect()
    };
    let long_running = map(
        &|j| roles[j] == Role::LongRunning && runs_a_process(packages[j].1),
        shows,
    );
    let running = map(
        &|j| roles[j] != Role::OneShot && packages[j].1.iter().any(|(_, f)| serves(f)),
        serves,
    );
    (long_running, running)
}

/// Per package: why only a one-shot command runs each of its files, when so
/// ([`one_shot_files`]); a one-shot tool that serves on this host only
/// ([`local_server_tool`]) has every file its command's.
fn package_commands(
    packages: &[(Option<&Deps>, &[PackageFile])],
    paths: &[Vec<PathBuf>],
    catalog: &Catalog,
    roles: &[Role],
    users: &[Vec<usize>],
    long_running: &LongRunning,
) -> Vec<Vec<Option<String>>> {
    (0..packages.len())
        .map(|j| {
            let (deps, files) = packages[j];
            let cli = parses_command_line(deps, catalog);
            match (roles[j], paths.get(j)) {
                // A command-line tool's library is judged like any library, but its
                // binaries of their own (`src/bin/task-manager.rs`) are its commands.
                (Role::LongRunning | Role::CliLibrary, Some(paths)) => {
                    // Needs no server crate nor another package of the run.
                    let standalone =
                        needs_no_service(deps, catalog) && !users.iter().any(|u| u.contains(&j));
                    one_shot_files(files, paths, bins(deps), cli, long_running, standalone)
                }
                (Role::OneShot, _) if one_shot(files).is_none() => {
                    vec![local_server_tool(files, cli); files.len()]
                }
                _ => Vec::new(),
            }
        })
        .collect()
}

/// Per package: whether only one-shot tools run its bodies. `running`: the packages
/// that serve ([`long_running_packages`]), whose start by a command-line tool makes
/// that tool long-running.
fn tool_like_packages(
    packages: &[(Option<&Deps>, &[PackageFile])],
    (roles, names): (&[Role], &[Option<&str>]),
    unreached: &[Option<String>],
    users: &[Vec<usize>],
    running: &LongRunning,
) -> Vec<bool> {
    // Bodies only one-shot tools run: a tool's, a library's only tools use, or a
    // command-line tool's with a library part no long-running package uses and no
    // long-running process in any of its files (shuttle's admin tool: `lib.rs` holds
    // its commands, `main.rs` parses the line and runs one; docs.rs's watcher, whose
    // library loops over the index, is none).
    (0..packages.len())
        .map(|j| match roles[j] {
            Role::OneShot => true,
            Role::Library => unreached[j].is_some() && !users[j].is_empty(),
            // A command-line tool that starts a process kept in a library of the run
            // (oracles' price server runs `task_manager::TaskManager`, which waits
            // on signals) is long-running too.
            Role::CliLibrary => {
                unreached[j].is_some()
                    && !packages[j].1.iter().any(|(_, f)| {
                        f.long_running
                            || f.local_crates.iter().any(|c| {
                                Some(c.as_str()) != names[j] && runs_package(running, f, c)
                            })
                    })
            }
            Role::LongRunning => false,
        })
        .collect()
}

/// Whether a package is built into no program of the run: a library (no binary of
/// its own) that is a member of the workspace and cannot be published
/// ([`Deps::unpublished_member`]), that no package of the run depends on (tests'
/// dev-dependencies are not uses), in a run that has a long-running package, and no
/// plugin or extension a host program loads. Its code is dead: an integration that
/// was never wired in (stump's `integrations` crate) or left behind. A run of that
/// library alone judges it as usual. A library that names a server framework (taken
/// for long-running: hyprnote's `transcribe-aws`, with an `axum` handler) runs no
/// process either while it has no binary: it too is built into nothing when no other
/// package uses it.
fn built_into_nothing(
    (deps, files): (Option<&Deps>, &[PackageFile]),
    role: Role,
    users: &[usize],
    long_running_other: bool,
) -> bool {
    let library_only =
        || files.iter().any(|(_, f)| f.library_root) && !files.iter().any(|(_, f)| f.binary_root);
    deps.is_some_and(|deps| {
        let no_process = role == Role::Library
            || (role == Role::LongRunning && deps.bin_paths.is_empty() && library_only());
        no_process
            && users.is_empty()
            && deps.unpublished_member
            && !deps.host_loaded
            && long_running_other
    })
}

/// Each package's [`LibraryReach`], from what [`library_reach`] found.
fn assemble(
    unreached: Vec<Option<String>>,
    mut commands: Vec<Vec<Option<String>>>,
    mut a: GraphAnswers,
    mut foreign: Vec<Foreign>,
    (sdk, dispatches): (&[bool], &[bool]),
    runs_long: &[bool],
) -> Vec<LibraryReach> {
    let take = std::mem::take::<HashMap<String, String>>;
    (unreached.into_iter().enumerate())
        .map(|(j, unreached)| LibraryReach {
            own_types: HashSet::default(),
            built_into_nothing: false,
            unrun_fns: HashSet::default(),
            unrun_paths: HashSet::default(),
            unmade_types: HashSet::default(),
            sdk: sdk[j],
            dispatches: dispatches[j],
            unreached,
            functions: a.functions[j].take(),
            commands: std::mem::take(&mut commands[j]),
            inline_commands: Vec::new(),
            legacy: HashMap::default(),
            runs_long: runs_long[j],
            guarded: take(&mut a.guarded[j]),
            periodic: take(&mut a.periodic[j]),
            detached: take(&mut a.detached[j]),
            gated: take(&mut a.gated[j]),
            logins: take(&mut a.logins[j]),
            jobs: take(&mut a.jobs[j]),
            pooled: take(&mut a.pooled[j]),
            timed: take(&mut a.timed[j]),
            handed: take(&mut a.handed[j]),
            makers: HashSet::default(),
            senders: HashSet::default(),
            local_consts: HashMap::default(),
            off_path: a.requests.off[j].take(),
            bounded: a.requests.bounded[j].take(),
            foreign: std::mem::take(&mut foreign[j]),
        })
        .collect()
}

/// When every file of a package that names `library` is run only by one-shot
/// commands (and some file names it): those commands, in words. A file that names
/// the library only in its subcommand dispatch's arms (`Self::Ai(c) =>
/// atuin_ai::commands::run(c)`, [`FileFacts::dispatched_crates`]) runs it only for
/// those subcommands, whose code is the library's: one-shot commands, as a
/// subcommand's module naming a library (not a long-running package: the library
/// asked about is never one) is.
pub(super) fn reached_only_by_commands(
    files: &[PackageFile],
    commands: &[Option<String>],
    library: &str,
) -> Option<String> {
    const DISPATCHED: &str = "subcommands its command line dispatches to, whose code is the library's (one-shot commands: no loop, server, consumer or scheduler in the dispatching files)";
    let mut naming = files
        .iter()
        .enumerate()
        .filter(|(_, (_, f))| f.local_crates.iter().any(|c| c == library))
        .map(|(i, (_, f))| {
            let dispatched = || f.dispatched_crates.iter().any(|c| c == library);
            match commands.get(i).and_then(Option::as_deref) {
                Some(c) => Some(c),
                None => dispatched().then_some(DISPATCHED),
            }
        });
    let first = naming.next()??;
    naming.all(|c| c.is_some()).then(|| first.to_string())
}

/// Walks up from library `j` through the packages that depend on it: `None` as soon as
/// a long-running one is met, otherwise the reason in words.
fn why_unreached(
    j: usize,
    roles: &[Role],
    users: &[Vec<usize>],
    names: &[Option<&str>],
    via_commands: &dyn Fn(usize, usize) -> Option<String>,
) -> Option<String> {
    let mut seen = vec![false; roles.len()];
    let mut stack = vec![j];
    let mut tools: Vec<String> = Vec::new();
    seen[j] = true;
    while let Some(p) = stack.pop() {
        for &u in &users[p] {
            if std::mem::replace(&mut seen[u], true) {
                continue;
            }
            match roles[u] {
                // A long-running package whose only files naming `p` are run by its
                // one-shot commands (`crates-io monitor` pages through a library).
                Role::LongRunning => tools.push(via_commands(u, p)?),
                Role::OneShot => tools.extend(names[u].map(str::to_string)),
                Role::CliLibrary => {
                    tools.extend(names[u].map(str::to_string));
                    stack.push(u);
                }
                Role::Library => stack.push(u),
            }
        }
    }
    tools.sort_unstable();
    if roles[j] == Role::CliLibrary {
        return Some(format!(
            "a command-line tool{} whose library no long-running package of this run depends on",
            names[j].map(|n| format!(" (`{n}`)")).unwrap_or_default()
        ));
    }
    Some(if tools.is_empty() {
        "a library no long-running package of this run depends on (an SDK: its callers decide on a breaker)".to_string()
    } else {
        format!(
            "a library only one-shot command-line tools of this run depend on (`{}`)",
            tools.join("`, `")
        )
    })
}
