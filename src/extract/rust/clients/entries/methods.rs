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
use super::values::arm_value;
use crate::extract::rust::facts::FileFacts;
use crate::extract::rust::routes::FnInfo;

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

/// The method of `self` an arm's body runs: `self.deploy(a).await`, `{ ..;
/// self.local_run(a).await.map(..) }` (a block's tail).
fn self_method(body: &Expr) -> Option<&syn::Ident> {
    let mut e = arm_value(body);
    loop {
        e = match e {
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => arm_value(tail),
                _ => return None,
            },
            Expr::MethodCall(m) => match arm_value(&m.receiver) {
                Expr::Path(p) if p.path.is_ident("self") => return Some(&m.method),
                r if PASS_THROUGH.iter().any(|w| m.method == w) => r,
                _ => return None,
            },
            _ => return None,
        };
    }
}

/// The methods of `self` an arm runs: its own (`self.deploy(a)`), or those of the arms
/// of a `match` it is (`Command::Project(cmd) => match cmd { Update(c) => match c {
/// Name { n } => self.project_rename(n) }, .. }`: a nested subcommand, whose inner
/// `match` has one arm).
fn arm_methods<'e>(body: &'e Expr, depth: usize, out: &mut Vec<&'e syn::Ident>) {
    if let Some(m) = self_method(body) {
        out.push(m);
    } else if let (Expr::Match(inner), true) = (arm_value(body), depth < 8) {
        for arm in &inner.arms {
            arm_methods(&arm.body, depth + 1, out);
        }
    }
}

impl Visitor<'_, '_> {
    /// A `match` in a method whose two or more arms each run another method of
    /// `self`: those methods, as link keys (`Shuttle::deploy`), are subcommands.
    pub(super) fn method_dispatch(&mut self, m: &syn::ExprMatch) {
        let Some(owner) = self.impl_type.as_deref() else {
            return;
        };
        let mut methods: Vec<&syn::Ident> = Vec::new();
        for arm in &m.arms {
            arm_methods(&arm.body, 0, &mut methods);
        }
        if methods.len() < 2 {
            return;
        }
        for method in methods {
            let key = format!("{owner}::{method}");
            if !self.facts.command_methods.contains(&key) {
                self.facts.command_methods.push(key);
            }
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
/// dispatch runs, no function reached from which shows a long-running process.
pub(crate) fn one_shot_methods(files: &[(usize, FileFacts)]) -> HashSet<String> {
    let roots: Vec<&String> = files.iter().flat_map(|(_, f)| &f.command_methods).collect();
    if roots.is_empty() {
        return HashSet::default();
    }
    let bodies: Vec<_> = files.iter().flat_map(|(_, f)| &f.routes.fns).collect();
    let keys: Vec<String> = bodies.iter().map(|i| body_key(i)).collect();
    // A file long-running by what it imports alone (`use tokio::signal::*`, a
    // framework's types) names no function: every function of it counts.
    let mut long: HashSet<&str> = HashSet::default();
    let mut b = 0;
    for (_, f) in files {
        let n = f.routes.fns.len();
        if f.long_running && f.long_running_fns.is_empty() {
            long.extend(keys[b..b + n].iter().map(String::as_str));
        }
        long.extend(f.long_running_fns.iter().map(String::as_str));
        b += n;
    }
    let reaches = reaches_long(&bodies, &keys, &long);
    // A root reaching a long-running body is no one-shot command.
    roots
        .into_iter()
        .filter(|root| !keys.iter().zip(&reaches).any(|(k, &r)| r && k == *root))
        .cloned()
        .collect()
}

/// Per body, whether it reaches (by name, itself included) a body whose key is in
/// `long`. Found once, backwards from the long-running bodies through the callers of
/// each name, rather than by a walk from every root: a package with many command
/// methods (neon's pageserver) walked its whole call graph once per method.
fn reaches_long(bodies: &[&FnInfo], keys: &[String], long: &HashSet<&str>) -> Vec<bool> {
    let names: HashSet<&str> = bodies.iter().map(|i| i.name.as_str()).collect();
    let mut callers_of: HashMap<&str, Vec<usize>> = HashMap::default();
    for (b, info) in bodies.iter().enumerate() {
        for n in info.calls().iter().chain(info.fn_calls().iter()) {
            if names.contains(n) {
                callers_of.entry(n).or_default().push(b);
            }
        }
    }
    let mut reaches: Vec<bool> = keys.iter().map(|k| long.contains(k.as_str())).collect();
    let mut stack: Vec<usize> = (0..bodies.len()).filter(|&b| reaches[b]).collect();
    let mut followed: HashSet<&str> = HashSet::default();
    while let Some(b) = stack.pop() {
        let name = bodies[b].name.as_str();
        if !followed.insert(name) {
            continue;
        }
        for &c in callers_of.get(name).into_iter().flatten() {
            if !std::mem::replace(&mut reaches[c], true) {
                stack.push(c);
            }
        }
    }
    reaches
}
