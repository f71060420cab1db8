//! Method dispatch: subcommands that are methods of the dispatching type itself
//! (cargo-shuttle: `match args.cmd { Command::Deploy(a) => self.deploy(a).await,
//! Command::Run(a) => { ..; self.local_run(a).await } .. }`, all in one file). A
//! module-level entry cannot split such a file, so each arm's method is an entry of
//! its own: a function, not a module. An entry is one-shot when no function it
//! reaches in its package (by name, the call graph's matching, which errs towards
//! reaching more) shows a long-running process of its own
//! ([`FileFacts::long_running_fns`]: an endless loop, a `while` that awaits, a server
//! framework named): then, in a long-running package that parses a command line,
//! the method's body is a tool's caller for the library reach (cargo-shuttle's
//! `deploy`, the only caller of the API client's `upload_archive`), while `run`,
//! which serves locally, keeps what it reaches judged.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::Expr;

use super::super::Visitor;
use super::made::{made_methods, Maker};
use super::values::arm_value;
use crate::extract::rust::clients::callgraph::narrow::{types_called, Through};
use crate::extract::rust::facts::FileFacts;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::routes::{called_name, FnInfo};

/// Methods a result is passed through on its way out of an arm
/// (`self.deploy(a).await.map(|_| Output::None)`) or to a `?`
/// (`stream.try_next().await.map_err(..)?`, [`super::shape::reads_to_end`]).
pub(super) const PASS_THROUGH: [&str; 7] = [
    "map",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "into",
];

/// An expression under the [`PASS_THROUGH`] methods called on it
/// (`e.map_err(Error::Read)` → `e`).
pub(in crate::extract::rust::clients) fn passed_through(mut e: &Expr) -> &Expr {
    while let Expr::MethodCall(m) = e {
        if !PASS_THROUGH.iter().any(|w| m.method == w) {
            break;
        }
        e = &m.receiver;
    }
    e
}

/// What an arm of a dispatch runs: a method of `self`, or a free function of the
/// file's package (`Command::Check(c) => health_check(c).await`).
enum Runs<'e> {
    /// With the enum the arm's pattern names when its variant is not one of the
    /// file's parser enums' (the package must confirm it: [`one_shot_methods`]).
    Method(&'e syn::Ident, Option<&'e syn::Ident>),
    Function(&'e syn::Ident),
    /// A method called on a value the arm made ([`super::made`]).
    Made(Maker<'e>, &'e syn::Ident),
}

/// The method of `self` an arm's body runs: `self.deploy(a).await`, `{ ..;
/// self.local_run(a).await.map(..) }` (a block's tail); or the free function it calls
/// (`health_check(c).await?`), a lowercase name of one segment.
fn arm_runs(body: &Expr) -> Option<Runs<'_>> {
    let mut e = arm_value(body);
    loop {
        e = match e {
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => arm_value(tail),
                _ => return None,
            },
            Expr::MethodCall(m) => match arm_value(&m.receiver) {
                Expr::Path(p) if p.path.is_ident("self") => {
                    return Some(Runs::Method(&m.method, None))
                }
                r if PASS_THROUGH.iter().any(|w| m.method == w) => r,
                _ => return None,
            },
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let f = p.path.get_ident()?;
                let lower = with_ident_str(f, |n| n.starts_with(|c: char| c.is_ascii_lowercase()));
                return lower.then_some(Runs::Function(f));
            }
            _ => return None,
        };
    }
}

/// The path an arm's pattern names (`SubCommand::HealthCheck` of
/// `SubCommand::HealthCheck(c)`, `Command::Serve { .. }`), through `Some(..)`: an
/// optional subcommand, cargo-distbuild's `Some(Commands::Master { action })`, whose
/// `None` starts a shell.
pub(super) fn arm_path(pat: &syn::Pat) -> Option<&syn::Path> {
    match pat {
        syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
            arm_path(&ts.elems[0])
        }
        syn::Pat::TupleStruct(ts) => Some(&ts.path),
        syn::Pat::Struct(st) => Some(&st.path),
        syn::Pat::Path(p) => Some(&p.path),
        _ => None,
    }
}

/// The variant an arm's pattern names (`HealthCheck` of `SubCommand::HealthCheck(c)`,
/// `Command::Migrate`, `Some(Commands::Master { action })`).
fn arm_variant(pat: &syn::Pat) -> Option<&syn::Ident> {
    let path = arm_path(pat)?;
    let last = &path.segments.last()?.ident;
    (path.segments.len() > 1).then_some(last)
}

/// The enum an arm's pattern names (`Command` of `Command::Deploy(a)`, `Self` of
/// `Self::Deploy(a)`).
fn arm_enum(pat: &syn::Pat) -> Option<&syn::Ident> {
    let path = arm_path(pat)?;
    let n = path.segments.len();
    Some(&path.segments.get(n.checked_sub(2)?)?.ident)
}

/// Whether a pattern is `Some(..)`.
fn is_some(pat: &syn::Pat) -> bool {
    matches!(pat, syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some"))
}

/// Whether an arm's pattern names one of `cli_variants` (a command-line parser
/// enum's variants).
fn on_variant(arm: &syn::Arm, cli_variants: &[String]) -> bool {
    arm_variant(&arm.pat).is_some_and(|v| cli_variants.iter().any(|c| v == c))
}

/// What the arms of a dispatch run: each arm's own (`self.deploy(a)`, or a free
/// function when the arm's variant is one of a command-line parser enum's,
/// `cli_variants`), or those of the arms of a `match` it is (`Command::Project(cmd) =>
/// match cmd { Update(c) => match c { Name { n } => self.project_rename(n) }, .. }`: a
/// nested subcommand, whose inner `match` has one arm), or, on such a variant, the
/// methods it calls on a value it made (`let c = api_client(..); c.list().await?`).
fn arms_run<'e>(
    arms: &'e [syn::Arm],
    cli_variants: &[String],
    depth: usize,
    out: &mut Vec<Runs<'e>>,
) {
    for arm in arms {
        match arm_runs(&arm.body) {
            // A free function only on a variant named outright: the reach of one on an
            // optional subcommand's (`Some(Commands::ShowNodes) => show_nodes(..)`)
            // would miss the other packages' long-running functions it calls
            // (raft-admin-follows' `follow`), which only the package's own reach sees.
            Some(Runs::Function(f)) => {
                if !is_some(&arm.pat) && on_variant(arm, cli_variants) {
                    out.push(Runs::Function(f));
                }
            }
            // A method of `self`: on the file's parser variants, or on an enum the
            // package must confirm is a parser's; an arm naming no enum is no
            // subcommand (`"ls" => self.list()`, `Kind::A => ..` in a provider is
            // asked of the package).
            Some(Runs::Method(m, _)) => match (on_variant(arm, cli_variants), arm_enum(&arm.pat)) {
                (true, _) => out.push(Runs::Method(m, None)),
                (false, Some(e)) => out.push(Runs::Method(m, Some(e))),
                (false, None) => {}
            },
            Some(runs) => out.push(runs),
            None => match (arm_value(&arm.body), depth < 8) {
                (Expr::Match(inner), true) => arms_run(&inner.arms, cli_variants, depth + 1, out),
                _ if on_variant(arm, cli_variants) => {
                    let made = made_methods(&arm.body).into_iter();
                    out.extend(made.map(|(by, m)| Runs::Made(by, m)));
                }
                _ => {}
            },
        }
    }
}

impl Visitor<'_, '_> {
    /// A `match` whose two or more arms each run another method of `self` (in a
    /// method) or, on a command-line parser enum's variants, a free function, or a
    /// `match` on two or more such variants: what its arms run, as link keys
    /// (`Shuttle::deploy`, `health_check`), are subcommands.
    pub(super) fn method_dispatch(&mut self, m: &syn::ExprMatch) {
        let owner = self.impl_type.as_deref();
        if owner.is_none() && self.cli_variant_names.is_empty() {
            return;
        }
        let mut runs: Vec<Runs> = Vec::new();
        arms_run(&m.arms, &self.cli_variant_names, 0, &mut runs);
        let mut made: Vec<(String, String)> = Vec::new();
        let mut on: Vec<(String, String)> = Vec::new();
        let keys: Vec<String> = (runs.iter())
            .filter_map(|r| match r {
                Runs::Method(m, None) => owner.map(|o| format!("{o}::{m}")),
                Runs::Method(m, Some(e)) => {
                    let o = owner?;
                    let e = if *e == "Self" {
                        o.to_string()
                    } else {
                        e.to_string()
                    };
                    on.push((format!("{o}::{m}"), e));
                    None
                }
                Runs::Function(f) => Some(f.to_string()),
                Runs::Made(Maker::Type(t), m) => Some(format!("{t}::{m}")),
                Runs::Made(Maker::Function(f), m) => {
                    made.push((f.to_string(), m.to_string()));
                    None
                }
            })
            .collect();
        // Two arms on a parser's variants make the match a dispatch, whatever the
        // other arms run.
        let on_variants = (m.arms.iter())
            .filter(|a| on_variant(a, &self.cli_variant_names))
            .count();
        let runs = keys.len() + made.len() + on.len();
        if runs < 2 && (on_variants < 2 || runs == 0) {
            return;
        }
        for m in on {
            if !self.facts.command_methods_on.contains(&m) {
                self.facts.command_methods_on.push(m);
            }
        }
        for key in keys {
            if !self.facts.command_methods.contains(&key) {
                self.facts.command_methods.push(key);
            }
        }
        for m in made {
            if !self.facts.command_made.contains(&m) {
                self.facts.command_made.push(m);
            }
        }
    }

    /// Notes the names an endless loop of the function being visited calls
    /// ([`FileFacts::loop_calls`]), for [`super::super::logins`]: a prompt asked
    /// once per round is the loop's, not a wizard's. Only in a package that may
    /// ask at the terminal ([`super::super::logins::may_prompt`]: the body is walked again).
    ///
    /// [`FileFacts::loop_calls`]: crate::extract::rust::FileFacts::loop_calls
    pub(in super::super) fn note_loop_calls(&mut self, body: &syn::Block) {
        if !self.prompts {
            return;
        }
        let Some(name) = self.fn_name.clone() else {
            return;
        };
        let mut calls = super::super::jobs::Calls::default();
        syn::visit::Visit::visit_block(&mut calls, body);
        let names: Vec<String> = calls.0.into_iter().collect();
        match self.facts.loop_calls.iter_mut().find(|(k, _)| *k == name) {
            Some((_, known)) => {
                known.extend(names);
                known.sort_unstable();
                known.dedup();
            }
            None => self.facts.loop_calls.push((name, names)),
        }
    }

    /// Notes that the file, and the function being visited, show a long-running
    /// process.
    pub(super) fn shows_long_running(&mut self) {
        self.facts.long_running = true;
        if let Some(name) = &self.fn_name {
            if !self.facts.long_running_fns.contains(name) {
                self.facts.long_running_fns.push(name.clone());
            }
        }
    }
}

/// The link key of a body: `Owner::name` or `name`.
pub(crate) fn body_key(info: &crate::extract::rust::routes::FnInfo) -> String {
    match &info.owner {
        Some(o) => format!("{o}::{}", info.name),
        None => info.name.to_string(),
    }
}

/// The package's one-shot command methods (link keys): methods an arm of a method
/// dispatch runs, no function reached from which shows a long-running process (in
/// the package: a call of another package's long-running function is not seen, see
/// [`arms_run`]).
pub(crate) fn one_shot_methods(files: &[(usize, FileFacts)]) -> HashSet<String> {
    let made = made_keys(files);
    // Methods dispatched on another file's enum count when the package derives a
    // parser for it (cargo-shuttle's `Command`, in `args.rs`); a provider's `match` on
    // a kind of its own is no command line (aeroftp's `ImmichProvider`).
    let enums: HashSet<&str> = (files.iter())
        .flat_map(|(_, f)| f.cli_enums.iter().map(String::as_str))
        .collect();
    let confirmed = (files.iter().flat_map(|(_, f)| &f.command_methods_on))
        .filter(|(_, e)| enums.contains(e.as_str()))
        .map(|(k, _)| k);
    let roots: Vec<&String> = (files.iter().flat_map(|(_, f)| &f.command_methods))
        .chain(confirmed)
        .chain(&made)
        .collect();
    if roots.is_empty() {
        return HashSet::default();
    }
    // An associated function's callers narrowed by the types they name, as for
    // inline arms: `reqwest::Client::new()` in rivven-schema's `health_check` reaches
    // no package `new` that serves. (Narrowed before session 81 confirmed the enums,
    // it dropped a finding of aeroftp's whose provider `match` on a kind of its own
    // had been taken for a dispatch.)
    let (keys, reaches, itself) = long_reach(files);
    let bodies: Vec<&FnInfo> = files.iter().flat_map(|(_, f)| &f.routes.fns).collect();
    let long_names: HashSet<&str> = (bodies.iter().zip(&reaches))
        .filter(|(_, r)| **r)
        .map(|(info, _)| info.name.as_str())
        .collect();
    // A root reaching a long-running body is no one-shot command. Its calls of its
    // own name are the client it wraps (`ApiClient::list_profiles` calling the gRPC
    // stub's `client.list_profiles(req)`), not the server's function of that name.
    let runs_long = |b: usize| {
        let (info, name) = (bodies[b], bodies[b].name.as_str());
        let mut callees = (info.calls().iter()).chain(info.fn_calls().iter().map(called_name));
        itself[b] || reaches[b] && callees.any(|n| n != name && long_names.contains(n))
    };
    let roots: HashSet<&String> = roots.into_iter().collect();
    let mut out: HashSet<String> = roots.iter().map(|r| (*r).clone()).collect();
    for (b, key) in keys.iter().enumerate() {
        if roots.contains(key) && runs_long(b) {
            out.remove(key);
        }
    }
    out
}

/// Whether a function of file `f` shows a long-running process itself: one of the
/// file's `long_running_fns`, or any function of a file long-running by what it
/// imports alone (`use tokio::signal::*`, a framework's types), which names none.
pub(crate) fn shows_long(f: &FileFacts, info: &FnInfo) -> bool {
    f.long_running && f.long_running_fns.is_empty() || f.long_running_fns.contains(&body_key(info))
}

/// The link keys of the methods subcommands call on values a package function made
/// ([`FileFacts::command_made`]): `ApiClient::list_profiles` when every free function
/// of the package named `api_client` says it returns an `ApiClient`.
fn made_keys(files: &[(usize, FileFacts)]) -> Vec<String> {
    let made: Vec<&(String, String)> = files.iter().flat_map(|(_, f)| &f.command_made).collect();
    if made.is_empty() {
        return Vec::new();
    }
    let free =
        (files.iter().flat_map(|(_, f)| &f.routes.fns)).filter(|i| !i.method && i.owner.is_none());
    // Per free function name: the type all of them return, `None` when one names none
    // or another type.
    let mut returns: HashMap<&str, Option<&str>> = HashMap::default();
    for info in free {
        let ret = info.ret.as_deref();
        returns
            .entry(info.name.as_str())
            .and_modify(|r| *r = r.filter(|t| ret == Some(*t)))
            .or_insert(ret);
    }
    (made.into_iter())
        .filter_map(|(f, m)| Some(format!("{}::{m}", returns.get(f.as_str()).copied()??)))
        .collect()
}

/// The names of the package's functions that reach (by name, themselves included) a
/// body showing a long-running process: a call of one runs long, as far as names tell.
pub(crate) fn long_reaching_names(files: &[(usize, FileFacts)]) -> HashSet<&str> {
    let (_, reaches, _) = long_reach(files);
    let bodies = files.iter().flat_map(|(_, f)| &f.routes.fns);
    (bodies.zip(reaches))
        .filter(|(_, r)| *r)
        .map(|(info, _)| info.name.as_str())
        .collect()
}

/// Per body of the package, in file order: its link key, whether it reaches a
/// long-running body ([`reaches_long`], its associated functions' callers narrowed by
/// the types they name), and whether it is one itself.
fn long_reach(files: &[(usize, FileFacts)]) -> (Vec<String>, Vec<bool>, Vec<bool>) {
    let bodies: Vec<_> = files.iter().flat_map(|(_, f)| &f.routes.fns).collect();
    let keys: Vec<String> = bodies.iter().map(|i| body_key(i)).collect();
    let shown = files
        .iter()
        .flat_map(|(_, f)| f.routes.fns.iter().map(move |i| shows_long(f, i)));
    let long: HashSet<&str> = (keys.iter().zip(shown))
        .filter(|(_, s)| *s)
        .map(|(k, _)| k.as_str())
        .collect();
    let aliases: HashMap<&str, &str> = (files.iter().flat_map(|(_, f)| &f.aliases))
        .map(|(alias, ty)| (alias.as_str(), ty.as_str()))
        .collect();
    let reaches = reaches_long(&bodies, &keys, &long, &aliases);
    let own = keys.iter().map(|k| long.contains(k.as_str())).collect();
    (keys, reaches, own)
}

/// Per body, whether it reaches (by name, itself included) a body whose key is in
/// `long`. Found once, backwards from the long-running bodies through the callers of
/// each name, rather than by a walk from every root: a package with many command
/// methods (neon's pageserver) walked its whole call graph once per method. A method
/// (it takes `self`) is reached only by a method call of its name or a call through
/// its type's path: `reqwest::get(url)` runs no `Client::get(&self, ..)` of the package.
/// An inherent associated function (`Watcher::new`, no `self`) is reached only by a
/// body whose calls of its name do not all name other types (`Path::new(p)`,
/// `OpenOptions::new()`; `aliases`: the package's type aliases), as the run's call
/// graph narrows them ([`types_called`]).
fn reaches_long(
    bodies: &[&FnInfo],
    keys: &[String],
    long: &HashSet<&str>,
    aliases: &HashMap<&str, &str>,
) -> Vec<bool> {
    let names: HashSet<&str> = bodies.iter().map(|i| i.name.as_str()).collect();
    // By name: the bodies calling it as a function or a method (all of them), and
    // those calling it as a method.
    let mut callers_of: HashMap<&str, (Vec<usize>, HashSet<usize>)> = HashMap::default();
    for (b, info) in bodies.iter().enumerate() {
        // Its function calls (a read helper's `~name` among them, in no other list),
        // counted: the calls of a name beyond them are method calls.
        let mut as_fn: HashMap<&str, usize> = HashMap::default();
        for n in (info.fn_calls().iter().map(called_name)).filter(|n| names.contains(n)) {
            *as_fn.entry(n).or_default() += 1;
            let callers = callers_of.entry(n).or_default();
            if callers.0.last() != Some(&b) {
                callers.0.push(b);
            }
        }
        for n in info.calls().iter().filter(|n| names.contains(n)) {
            let callers = callers_of.entry(n).or_default();
            if callers.0.last() != Some(&b) {
                callers.0.push(b);
            }
            match as_fn.get_mut(n) {
                Some(k) if *k > 0 => *k -= 1,
                _ => {
                    callers.1.insert(b);
                }
            }
        }
    }
    let mut reaches: Vec<bool> = keys.iter().map(|k| long.contains(k.as_str())).collect();
    let mut stack: Vec<usize> = (0..bodies.len()).filter(|&b| reaches[b]).collect();
    let mut followed: HashSet<&str> = HashSet::default();
    while let Some(b) = stack.pop() {
        let (info, key) = (bodies[b], keys[b].as_str());
        if !followed.insert(key) {
            continue;
        }
        let Some((all, as_method)) = callers_of.get(info.name.as_str()) else {
            continue;
        };
        let by_path = |c: usize| bodies[c].type_calls().iter().any(|t| t == key);
        let through_owner = |c: usize| match types_called(bodies[c], &info.name, aliases) {
            Through::Any => true,
            Through::Types(types) => info.owner.as_deref().is_some_and(|o| types.contains(&o)),
        };
        let callers: Vec<usize> = match info.method {
            false if info.of_trait || info.owner.is_none() => all.clone(),
            false => all.iter().copied().filter(|&c| through_owner(c)).collect(),
            true => (all.iter().copied())
                .filter(|&c| as_method.contains(&c) || by_path(c))
                .collect(),
        };
        for c in callers {
            if !std::mem::replace(&mut reaches[c], true) {
                stack.push(c);
            }
        }
    }
    reaches
}

#[cfg(test)]
mod tests {
    use super::{arm_runs, arm_variant, Runs};

    fn arm(text: &str) -> syn::Arm {
        let m: syn::ExprMatch = syn::parse_str(&format!("match x {{ {text} }}")).expect("a match");
        m.arms.into_iter().next().expect("an arm")
    }

    #[test]
    fn what_a_dispatch_arm_runs() {
        let runs = |text: &str| match arm_runs(&arm(text).body) {
            Some(Runs::Method(m, _)) => format!("self.{m}"),
            Some(Runs::Function(f)) => format!("{f}()"),
            // Only `arms_run` makes these, from a block `arm_runs` gives up on.
            Some(Runs::Made(..)) | None => "-".into(),
        };
        assert_eq!(
            runs("Cmd::Deploy(a) => self.deploy(a).await"),
            "self.deploy"
        );
        assert_eq!(
            runs("Cmd::Check(c) => health_check(c).await?"),
            "health_check()"
        );
        assert_eq!(
            runs("Cmd::Check(c) => { health_check(c).await }"),
            "health_check()"
        );
        assert_eq!(runs("Cmd::Serve(c) => c.run().await"), "-");
        assert_eq!(runs("Cmd::Test(t) => Ok(t)"), "-");
        assert_eq!(runs("Cmd::Sync => sync::run().await"), "-");
    }

    #[test]
    fn the_variant_an_arm_names() {
        let variant = |text: &str| arm_variant(&arm(text).pat).map(ToString::to_string);
        assert_eq!(
            variant("SubCommand::HealthCheck(c) => ()").as_deref(),
            Some("HealthCheck")
        );
        assert_eq!(
            variant("Command::Migrate => ()").as_deref(),
            Some("Migrate")
        );
        assert_eq!(
            variant("Command::Serve { port } => ()").as_deref(),
            Some("Serve")
        );
        assert_eq!(
            variant("Some(Commands::Master { action }) => ()").as_deref(),
            Some("Master")
        );
        assert_eq!(variant("Some(c) => ()"), None);
        assert_eq!(variant("_ => ()"), None);
    }
}
