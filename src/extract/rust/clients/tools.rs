//! Which functions of the run's libraries only one-shot tools run, for the breaker
//! rule's library reach ([`super::workspace`]): a body is a tool's when its package is
//! a one-shot tool (or a library only tools use), or when its file is run only by a
//! one-shot command of a long-running package ([`super::entries`]: `crates-io admin ..`
//! beside `crates-io server`). A caller counts only when its package may call into the
//! callee's: the same package, or one that depends on it directly or through packages
//! of the run (atuin's server has a `delete_store` of its own, and no dependency on
//! the client whose `delete_store` only `atuin store push --force` calls).

use rustc_hash::FxHashSet as HashSet;

use super::callgraph::CallGraph;
use super::entries::{body_key, shows_long};
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Who the run's bodies belong to, for the tools question.
pub(super) struct Tools<'t> {
    /// Per package: a one-shot tool, or a library only such tools use.
    pub tool_like: &'t [bool],
    /// Per package, per file: why only a one-shot command of it runs the file, when so.
    pub commands: &'t [Vec<Option<String>>],
    /// Per package: the packages of the run that depend on it directly.
    pub users: &'t [Vec<usize>],
    /// Per package: its one-shot command methods (link keys, [`super::entries::one_shot_methods`]):
    /// bodies only a one-shot subcommand runs (cargo-shuttle's `deploy`).
    pub methods: &'t [HashSet<String>],
}

impl Tools<'_> {
    /// Whether package `j` runs one-shot commands beside what it runs long: methods of
    /// its own type dispatched to (cargo-shuttle's `deploy`), or files only a one-shot
    /// subcommand runs (`grafbase publish`'s `publish.rs`).
    pub(super) fn runs_commands(&self, j: usize) -> bool {
        self.methods.get(j).is_some_and(|m| !m.is_empty())
            || self
                .commands
                .get(j)
                .is_some_and(|c| c.iter().any(Option::is_some))
    }

    /// Whether some body of the run is a tool's.
    pub(super) fn any(&self) -> bool {
        self.tool_like.iter().any(|t| *t)
            || self.commands.iter().flatten().any(Option::is_some)
            || self.methods.iter().any(|m| !m.is_empty())
    }

    /// Whether package `j` runs long itself (neither a tool nor a library a
    /// long-running package reaches, `reached`) and a one-shot tool depends on it
    /// directly (rindexer's core, whose `phantom deploy` functions only its command
    /// line calls): its functions that reach no long-running body are asked which
    /// only tools run ([`tool_only_functions`]).
    pub(super) fn runs_long_for_tools(&self, j: usize, reached: &[bool]) -> bool {
        let tool = |k: usize| self.tool_like.get(k).copied().unwrap_or(false);
        !reached[j]
            && !tool(j)
            && self
                .users
                .get(j)
                .is_some_and(|u| u.iter().any(|&k| tool(k)))
    }

    /// Per body of `graph` (its order: packages, files, functions): a tool's body.
    pub(super) fn by_body(
        &self,
        packages: &[(Option<&Deps>, &[PackageFile])],
        bodies: usize,
    ) -> Vec<bool> {
        let mut out = Vec::with_capacity(bodies);
        for (j, (_, files)) in packages.iter().enumerate() {
            for (i, (_, f)) in files.iter().enumerate() {
                let command = self
                    .commands
                    .get(j)
                    .and_then(|c| c.get(i))
                    .is_some_and(Option::is_some);
                let methods = self.methods.get(j).filter(|m| !m.is_empty());
                out.extend(f.routes.fns.iter().map(|info| {
                    self.tool_like[j]
                        || command
                        || methods.is_some_and(|m| m.contains(&body_key(info)))
                }));
            }
        }
        out.resize(bodies, false);
        out
    }

    /// `reach[k * n + j]`: package `k` may call into package `j` ([`package_reach`]).
    pub(super) fn reach(&self, packages: &[(Option<&Deps>, &[PackageFile])]) -> Vec<bool> {
        package_reach(packages, self.users)
    }
}

/// `reach[k * n + j]`: package `k` may call into package `j` (of `n`): `k` is `j`,
/// depends on it through packages of the run (`users[j]`: the packages depending on
/// `j` directly), or either has no manifest.
pub(super) fn package_reach(
    packages: &[(Option<&Deps>, &[PackageFile])],
    users: &[Vec<usize>],
) -> Vec<bool> {
    let n = packages.len();
    let mut reach = vec![false; n * n];
    for j in 0..n {
        let mut stack = vec![j];
        while let Some(p) = stack.pop() {
            if !std::mem::replace(&mut reach[p * n + j], true) {
                stack.extend(users.get(p).into_iter().flatten().copied());
            }
        }
    }
    for k in 0..n {
        for j in 0..n {
            if packages[k].0.is_none() || packages[j].0.is_none() {
                reach[k * n + j] = true;
            }
        }
    }
    reach
}

/// For each library a long-running package reaches (`reached[j]`), and each package
/// that runs long itself and that a tool depends on ([`Tools::runs_long_for_tools`]):
/// its functions that only one-shot tools run (atuin-client's `login` and the helpers
/// only it calls: only the `atuin` command calls them). In a package that runs long,
/// only functions that reach no long-running body ([`reaches_long`]) and are no trait
/// impl's methods are asked. A function is in the set when some body calls it
/// by name, every body that does is a tool's ([`Tools`]: a one-shot tool's, a
/// library's only such tools use, or one a one-shot command of a long-running package
/// runs) or a function of the set, and a tool's body reaches it
/// through functions of the set. Any other caller keeps it out: a long-running package,
/// a library, a command-line tool with a library part that shows a long-running process
/// (a daemon that parses arguments, like docs.rs's watcher). Names are last segments (a free function
/// is matched against calls written as function calls only: a method call cannot reach
/// it), so a name shared by two functions counts for both, and the set errs towards
/// judging. A caller no body lists (a trait's default method, code a macro generates)
/// is unseen by the per-function call lists: a name a trait's default method calls is
/// never in the set (docs.rs's watcher purges the CDN through one). Methods follow the
/// same rule as free functions: a method whose callers by name are tools' bodies or
/// functions of the set runs for the tools only (atuin-client's `verify_code`, reached
/// through `HubAuthSession::poll` from the CLI's login). A generic or `dyn` caller
/// writes the method's name in its own body, so it is listed and keeps the method out;
/// only callers no body lists (a trait's default method, above) could be missed.
pub(super) fn tool_only_functions(
    graph: &CallGraph,
    packages: &[(Option<&Deps>, &[PackageFile])],
    tools: &Tools,
    reached: &[bool],
) -> Vec<Option<HashSet<String>>> {
    let tool_like = tools.tool_like;
    let used_by_tools: Vec<bool> = (0..packages.len())
        .map(|j| tools.runs_long_for_tools(j, reached))
        .collect();
    let asked = |j: usize| reached[j] || used_by_tools[j];
    if !(0..packages.len()).any(asked) || !tools.any() {
        return vec![None; packages.len()];
    }
    let (n, reach) = (packages.len(), tools.reach(packages));
    let counts = |c: usize, b: usize| graph.may_call(&reach, n, c, b);
    let long = match used_by_tools.iter().any(|u| *u) {
        true => reaches_long(graph, packages, &counts),
        false => Vec::new(),
    };
    let tool = tools.by_body(packages, graph.bodies.len());
    // Names a trait's default method calls: a caller no body lists, never a tool's.
    let unseen: HashSet<&str> = (0..packages.len())
        .filter(|&j| !tool_like[j])
        .flat_map(|j| packages[j].1.iter())
        .flat_map(|(_, f)| f.trait_default_calls.iter().map(String::as_str))
        .collect();
    let candidate: Vec<bool> = (0..graph.bodies.len())
        .map(|b| {
            let (j, info) = graph.bodies[b];
            // In a package that runs long, a trait impl's method may be run by its
            // framework (a gRPC service's `send_webhook`, which a tool's stub call of
            // the same name does not reach): never a tool's.
            let quiet = !long.get(b).copied().unwrap_or(true) && !info.of_trait;
            (reached[j] || used_by_tools[j] && quiet)
                && !graph.callers(b).is_empty()
                && !unseen.contains(info.name.as_str())
        })
        .collect();
    let kept = graph.only_from_where(&|c, _| tool[c], &counts, candidate.clone());
    let side = tool_side(graph, packages.len(), reached, &tool, &kept, &counts);
    if !side.iter().any(|s| *s) {
        return graph.names_by_package(packages.len(), &asked, &kept);
    }
    // Such a package's functions nothing in the run calls are its tools' too: they
    // are roots, and what only they and tools reach is the tools'.
    let uncalled = |b: usize| side[graph.bodies[b].0] && graph.callers(b).is_empty();
    let root = |c: usize, _: usize| tool[c] || uncalled(c);
    let mut kept = graph.only_from_where(&root, &counts, candidate);
    for (b, k) in kept.iter_mut().enumerate() {
        *k |= uncalled(b);
    }
    graph.names_by_package(packages.len(), &asked, &kept)
}

/// Per body of `graph`: whether it shows a long-running process itself
/// ([`shows_long`]) or calls one that does, through the graph's callers (narrowed by
/// type path and arity: `Client::new()` runs no `Indexer::new`). All `true` when the
/// graph's bodies are not the packages' functions in order.
fn reaches_long(
    graph: &CallGraph,
    packages: &[(Option<&Deps>, &[PackageFile])],
    counts: &dyn Fn(usize, usize) -> bool,
) -> Vec<bool> {
    let mut long: Vec<bool> = (packages.iter().flat_map(|(_, files)| files.iter()))
        .flat_map(|(_, f)| f.routes.fns.iter().map(|i| shows_long(f, i)))
        .collect();
    if long.len() != graph.bodies.len() {
        return vec![true; graph.bodies.len()];
    }
    let mut stack: Vec<usize> = (0..long.len()).filter(|&b| long[b]).collect();
    while let Some(b) = stack.pop() {
        for &c in graph.callers(b) {
            if counts(c, b) && !std::mem::replace(&mut long[c], true) {
                stack.push(c);
            }
        }
    }
    long
}

/// For each package that runs one-shot subcommands ([`Tools::runs_commands`]: methods
/// of its own type dispatched to, or files only a one-shot command runs): its
/// functions that only those commands run, directly or through functions only they
/// run (cargo-shuttle's `get_templates_schema`, which only `init` calls; grafbase's
/// `api::client::create_client`, which only the `publish`, `schema`, .. commands'
/// modules call, through `api::*`, a module no command owns). Asked of such a
/// package's own functions alone, so a library's answer stays
/// [`tool_only_functions`]'s.
pub(super) fn command_only_functions(
    graph: &CallGraph,
    packages: &[(Option<&Deps>, &[PackageFile])],
    tools: &Tools,
) -> Vec<Option<HashSet<String>>> {
    let n = packages.len();
    let dispatches: Vec<bool> = (0..n).map(|j| tools.runs_commands(j)).collect();
    if !dispatches.iter().any(|d| *d) {
        return vec![None; n];
    }
    let tool = tools.by_body(packages, graph.bodies.len());
    let reach = tools.reach(packages);
    let counts = |c: usize, b: usize| graph.may_call(&reach, n, c, b);
    let candidate: Vec<bool> = (0..graph.bodies.len())
        .map(|b| dispatches[graph.bodies[b].0] && !graph.callers(b).is_empty())
        .collect();
    let mut kept = graph.only_from_where(&|c, _| tool[c], &counts, candidate);
    // The one-shot command methods themselves (`health_check` of `Command::Check(c)
    // => health_check(c).await`): what they build is their command's.
    for (b, k) in kept.iter_mut().enumerate() {
        let (j, info) = graph.bodies[b];
        *k |= (tools.methods.get(j)).is_some_and(|m| m.contains(&body_key(info)));
    }
    graph.names_by_package(n, &|j| dispatches[j], &kept)
}

/// The libraries (of `packages` many) a long-running package reaches whose every
/// caller in another package of the run is a one-shot tool's body or a function only
/// tools run (`kept`): a published client package the run uses from its command-line
/// tools alone, whose other functions have callers outside the run only (shuttle's
/// `update_project` beside the CLI's `reset_api_key`). A library no other package
/// calls into stays judged (an SDK: its callers are unknown). Callers are matched by
/// name as elsewhere (an associated function by its type's path), so a method named
/// like a common one (`put`, `send`) meets every call of that name and keeps the
/// package judged.
fn tool_side(
    graph: &CallGraph,
    packages: usize,
    reached: &[bool],
    tool: &[bool],
    kept: &[bool],
    counts: &dyn Fn(usize, usize) -> bool,
) -> Vec<bool> {
    // Per package: (some function is called from another package, all such callers
    // are the tools').
    let mut seen = vec![(false, true); packages];
    for b in 0..graph.bodies.len() {
        let j = graph.bodies[b].0;
        if !reached[j] || !seen[j].1 {
            continue;
        }
        for &c in graph.callers(b) {
            if counts(c, b) && calls_into(graph, c, b) {
                seen[j].0 = true;
                seen[j].1 &= tool[c] || kept[c];
            }
        }
    }
    seen.into_iter()
        .map(|(called, all)| called && all)
        .collect()
}

/// Whether body `c`, of another package than body `b`'s, calls `b`. An associated
/// function (`Projects::new`) is called through its type's path: a caller by name
/// only (every `X::new()` of the run) calls it only when its body names `Projects::new`.
fn calls_into(graph: &CallGraph, c: usize, b: usize) -> bool {
    let (j, info) = graph.bodies[b];
    let (k, caller) = graph.bodies[c];
    if j == k {
        return false;
    }
    match (&info.owner, info.method) {
        (Some(owner), false) => {
            let key = format!("{owner}::{}", info.name);
            caller.evidence().type_calls.iter().any(|t| t == key)
        }
        _ => true,
    }
}
