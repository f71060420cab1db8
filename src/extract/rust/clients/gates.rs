//! Command gates: a server's `main` that first hands its command line to a function
//! and returns when that function handled a subcommand (`if cli::cli().await? {
//! return Ok(()); }` in openobserve) runs that function once per process, before the
//! server starts. What only the gate reaches is the command line's: one-shot
//! commands (`openobserve node list` asking the local node), no breaker subjects.
//!
//! Callers are matched by name across the run ([`CallGraph`]), so a common name
//! (`query`) would meet unrelated calls (`sqlx::query(..)`) and keep the gate's code
//! judged. Rust's privacy narrows that soundly: a function of a private module (`mod
//! http;`, not re-exported by a `pub use`) can only be called from the module that
//! declares it and below, so callers in files outside that scope, or in other
//! packages, are not its callers. Only out-of-line modules at their conventional paths
//! are placed (`src/cli/basic/mod.rs` declares `src/cli/basic/http.rs`); a file
//! placed otherwise narrows nothing. A function reached from the gate in a file that
//! shows a long-running process (a loop, a framework) is left judged.

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::{Expr, Stmt};

use super::callgraph::CallGraph;
use crate::extract::rust::front::index::{Decl, Index};
use crate::extract::rust::FileFacts;

/// The names of the functions `main`'s body calls as command gates: a statement `if
/// f(..)[.await][?] { return ..; }` (or `std::process::exit(..)`) with no `else`, and
/// the calls of a subcommand's `match` arm that then returns (`Action::Pull(args) => {
/// provider_manager::pull(args).await?; return Ok(()); }`, at the top of `main` or in
/// an `if let Some(action) = args.action { match action { .. } }`: fpd's `pull`
/// before its daemon starts). Such a `match` gates only when `main` goes on after it:
/// the code after it is the process's own work, the arms that leave are exceptions
/// (a `main` that is one `match` whose `Serve` arm returns too is no gate to it). An
/// arm that leaves with its call (`exit(match configure(m).await { .. })`, `return
/// pull(a).await`) gates that call. So does an `if` with no `else` that `main` goes on
/// after, whose block leaves the same way (`if matches!(args.command,
/// Some(Command::Publish)) { return publish::publish_feed().await; }` before the feed
/// generator serves: noreposts-atproto-feed).
pub(super) fn command_gates(block: &syn::Block) -> Vec<String> {
    let mut out = Vec::new();
    let n = block.stmts.len();
    for (at, st) in block.stmts.iter().enumerate() {
        let goes_on = at + 1 < n;
        match st {
            Stmt::Expr(Expr::Match(m), _) if goes_on => arm_gates(m, &mut out),
            Stmt::Expr(Expr::If(i), _) if i.else_branch.is_none() => {
                if let Expr::Let(_) = &*i.cond {
                    if !goes_on {
                        continue;
                    }
                    for inner in &i.then_branch.stmts {
                        if let Stmt::Expr(Expr::Match(m), _) = inner {
                            arm_gates(m, &mut out);
                        }
                    }
                    block_gates(&i.then_branch.stmts, &mut out);
                } else {
                    if leaves(&i.then_branch.stmts) {
                        out.extend(called(&i.cond));
                    }
                    if goes_on {
                        block_gates(&i.then_branch.stmts, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The functions the arms of a `match` call before they leave `main` (a block whose
/// last statement is a `return` or an `exit(..)`: the statements before it).
fn arm_gates(m: &syn::ExprMatch, out: &mut Vec<String>) {
    for arm in &m.arms {
        // `Some(("configure", m)) => std::process::exit(match configure(m).await {
        // .. })`, `Cmd::Pull(a) => return pull(a).await`: the call the arm leaves with.
        if let Some(e) = left_with(&arm.body) {
            out.extend(left_call(e));
            continue;
        }
        if let Expr::Block(b) = &*arm.body {
            block_gates(&b.block.stmts, out);
        }
    }
}

/// The functions a block that leaves `main` calls: the call its last statement
/// leaves with (`return pull(a).await`), else those of the statements before a
/// last `return ..` or `exit(..)` that leaves with none (`pull(a).await?; return
/// Ok(());`).
fn block_gates(stmts: &[Stmt], out: &mut Vec<String>) {
    let Some((last, before)) = stmts.split_last() else {
        return;
    };
    let leaves_with = match last {
        Stmt::Expr(e, _) => left_with(e).and_then(left_call),
        _ => None,
    };
    if let Some(call) = leaves_with {
        out.push(call);
        return;
    }
    if before.is_empty() || !leaves(std::slice::from_ref(last)) {
        return;
    }
    for st in before {
        if let Stmt::Expr(e, _) = st {
            out.extend(called(e));
        }
    }
}

/// The function a value `main` leaves with calls (`pull(a).await`, `exit(match
/// configure(m).await { .. })`), not a value it builds (`return Ok(())`).
fn left_call(e: &Expr) -> Option<String> {
    let call = called(e).or_else(|| match e {
        Expr::Match(inner) => called(&inner.expr),
        _ => None,
    });
    call.filter(|f| !f.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The name of the function an expression calls (`f(..)[.await][?]`).
fn called(mut e: &Expr) -> Option<String> {
    while let Expr::Await(syn::ExprAwait { base: inner, .. })
    | Expr::Try(syn::ExprTry { expr: inner, .. })
    | Expr::Paren(syn::ExprParen { expr: inner, .. }) = e
    {
        e = inner;
    }
    let Expr::Call(c) = e else {
        return None;
    };
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The command gates of a package's binaries, sorted, each once.
pub(super) fn gates_of(files: &[(usize, FileFacts)]) -> Vec<String> {
    let mut g: Vec<String> = files
        .iter()
        .filter(|(_, f)| f.binary_root)
        .flat_map(|(_, f)| f.command_gates.iter().cloned())
        .collect();
    g.sort_unstable();
    g.dedup();
    g
}

/// What an arm's body leaves `main` with: `return e` or `exit(e)`'s `e`.
fn left_with(body: &Expr) -> Option<&Expr> {
    match body {
        Expr::Return(r) => r.expr.as_deref(),
        Expr::Call(c) if c.args.len() == 1 && is_exit(c) => c.args.first(),
        _ => None,
    }
}

/// Statements that only leave the process's `main`: `return ..` or `exit(..)`.
fn leaves(stmts: &[Stmt]) -> bool {
    let [Stmt::Expr(e, _)] = stmts else {
        return false;
    };
    match e {
        Expr::Return(_) => true,
        Expr::Call(c) => is_exit(c),
        _ => false,
    }
}

/// `exit(..)`, `std::process::exit(..)`.
fn is_exit(c: &syn::ExprCall) -> bool {
    matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "exit"))
}

/// The out-of-line modules a file declares privately (`mod http;`, no `pub` of any
/// kind) and does not re-export (`pub use http::..`, `pub use self::http::..`).
pub(super) fn private_mods(index: &Index) -> Vec<String> {
    let top = || {
        index
            .decls
            .iter()
            .filter(|(place, _)| !place.in_test_mod && place.body.is_none())
            .map(|(_, decl)| decl)
    };
    let mut private: Vec<String> = top()
        .filter_map(|decl| match *decl {
            Decl::OutOfLineMod(m, false) if matches!(m.vis, syn::Visibility::Inherited) => {
                Some(m.ident.to_string())
            }
            _ => None,
        })
        .collect();
    if private.is_empty() {
        return private;
    }
    let mut exported: HashSet<String> = HashSet::default();
    for decl in top() {
        if let Decl::Use(u) = *decl {
            if !matches!(u.vis, syn::Visibility::Inherited) {
                exported.extend(use_heads(&u.tree));
            }
        }
    }
    if exported.contains("*") {
        return Vec::new();
    }
    private.retain(|m| !exported.contains(m));
    private
}

/// The first segments a `use` tree names, `self::` skipped (`self::http::x` → `http`).
fn use_heads(tree: &syn::UseTree) -> Vec<String> {
    match tree {
        syn::UseTree::Path(p) if p.ident == "self" => use_heads(&p.tree),
        syn::UseTree::Path(p) => vec![p.ident.to_string()],
        syn::UseTree::Name(n) => vec![n.ident.to_string()],
        syn::UseTree::Rename(r) => vec![r.ident.to_string()],
        syn::UseTree::Group(g) => g.items.iter().flat_map(use_heads).collect(),
        syn::UseTree::Glob(_) => vec!["*".to_string()],
    }
}

/// A file's module path inside its package (`src/cli/basic/http.rs` → `cli::basic::
/// http`; `src/lib.rs`, `src/main.rs` → the root), when it sits at a conventional path
/// (`src/bin/**` is another crate: not placed).
fn module_of(path: &Path) -> Option<Vec<String>> {
    let rest = path.strip_prefix("src").ok()?;
    if rest.starts_with("bin") {
        return None;
    }
    let mut segs: Vec<String> = rest
        .iter()
        .map(|s| s.to_str().map(str::to_string))
        .collect::<Option<_>>()?;
    let last = segs.pop()?;
    let stem = last.strip_suffix(".rs")?;
    let root = segs.is_empty() && (stem == "lib" || stem == "main");
    if !root && stem != "mod" {
        segs.push(stem.to_string());
    }
    Some(segs)
}

/// Per file of a package: the module path its functions are visible from when a
/// private module encloses it (the module declaring the nearest private one), if so.
fn scopes(files: &[(usize, FileFacts)], paths: &[PathBuf]) -> Vec<Option<Vec<String>>> {
    let modules: Vec<Option<Vec<String>>> = paths.iter().map(|p| module_of(p)).collect();
    let declares = |parent: &[String], name: &str| {
        modules.iter().zip(files).any(|(m, (_, f))| {
            m.as_deref() == Some(parent) && f.private_mods.iter().any(|x| x == name)
        })
    };
    modules
        .iter()
        .map(|m| {
            let m = m.as_ref()?;
            (0..m.len())
                .rev()
                .find(|&k| declares(&m[..k], &m[k]))
                .map(|k| m[..k].to_vec())
        })
        .collect()
}

/// Per package (of `gates.len()` many): the names of the functions only a command
/// gate of the package's `main` runs (the gate, and what only it reaches), with why.
/// `gates[j]`: the gates of package `j` (empty: not asked).
pub(super) fn gated_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
    paths: &[Vec<PathBuf>],
    gates: &[Vec<String>],
) -> Vec<HashMap<String, String>> {
    let n = files.len();
    let mut out: Vec<HashMap<String, String>> = vec![HashMap::default(); n];
    // Per body (in the graph's order): package, file index, module, scope.
    let mut at: Vec<(usize, usize)> = Vec::with_capacity(graph.bodies.len());
    for (j, package) in files.iter().enumerate() {
        for (i, (_, f)) in package.iter().enumerate() {
            at.extend(std::iter::repeat_n((j, i), f.routes.fns.len()));
        }
    }
    if at.len() != graph.bodies.len() {
        return out;
    }
    let none = Vec::new();
    let scoped: Vec<Vec<Option<Vec<String>>>> = (0..n)
        .map(|j| match gates[j].is_empty() {
            true => Vec::new(),
            false => scopes(files[j], paths.get(j).unwrap_or(&none)),
        })
        .collect();
    let module = |j: usize, i: usize| {
        paths
            .get(j)
            .and_then(|p| p.get(i))
            .and_then(|p| module_of(p))
    };
    // Whether body `c` may call body `b`: always, unless `b` is in a private module
    // whose scope `c`'s file is outside of.
    let can_call = |c: usize, b: usize| {
        let (j, i) = at[b];
        let Some(Some(scope)) = scoped.get(j).and_then(|s| s.get(i)) else {
            return true;
        };
        let (k, ci) = at[c];
        k == j && module(k, ci).is_none_or(|m| m.starts_with(scope))
    };
    let root = |c: usize| {
        let (j, info) = graph.bodies[c];
        !info.method && info.owner.is_none() && gates[j].iter().any(|g| g == info.name.as_str())
    };
    let serves = |b: usize| {
        let (j, i) = at[b];
        files[j][i].1.long_running
    };
    let candidate: Vec<bool> = (0..graph.bodies.len())
        .map(|b| !gates[at[b].0].is_empty() && !serves(b) && !root(b))
        .collect();
    let kept = reached_only_from(graph, &root, &can_call, candidate, &serves);
    let names = graph.names_by_package(n, &|j| !gates[j].is_empty(), &kept);
    for (j, set) in names.into_iter().enumerate() {
        let Some(set) = set else { continue };
        let gate = gates[j].join("`, `");
        for name in set {
            let why = format!(
                "run only by a subcommand `main` runs first and returns from (`{gate}`) before the server starts"
            );
            out[j].insert(name, why);
        }
    }
    out
}

/// The roots (less those that `serve`) and the `candidate` bodies only they reach:
/// [`CallGraph::only_from`], counting only the callers that `can_call` a body.
fn reached_only_from(
    graph: &CallGraph,
    root: &dyn Fn(usize) -> bool,
    can_call: &dyn Fn(usize, usize) -> bool,
    mut in_set: Vec<bool>,
    serves: &dyn Fn(usize) -> bool,
) -> Vec<bool> {
    let mut changed = true;
    while changed {
        changed = false;
        for b in 0..in_set.len() {
            let outside = |&c: &usize| can_call(c, b) && !root(c) && !in_set[c];
            if in_set[b] && graph.callers(b).iter().any(outside) {
                in_set[b] = false;
                changed = true;
            }
        }
    }
    let mut kept: Vec<bool> = (0..in_set.len()).map(|b| root(b) && !serves(b)).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for b in 0..in_set.len() {
            let from_kept = |&c: &usize| can_call(c, b) && kept[c];
            if in_set[b] && !kept[b] && graph.callers(b).iter().any(from_kept) {
                kept[b] = true;
                changed = true;
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{command_gates, module_of};

    #[test]
    fn a_gate_returns_from_main() {
        let f: syn::ItemFn = syn::parse_str(
            "async fn main() { if cli::cli().await? { return Ok(()); } if admin(&a) { std::process::exit(0) } if ready() { serve(); } serve().await }",
        )
        .expect("parses");
        assert_eq!(command_gates(&f.block), ["cli", "admin"]);
    }

    #[test]
    fn a_subcommand_arm_that_returns_is_a_gate() {
        let f: syn::ItemFn = syn::parse_str(
            "async fn main() {
                if let Some(action) = args.action {
                    match action {
                        Action::Pull(a) => { tasks::manager::pull(a).await?; return Ok(()); }
                        Action::Build(a) => { build(a)?; std::process::exit(0) }
                        Action::Check(a) => { check(a); }
                        Action::Print => return Ok(()),
                    }
                }
                match mode { Mode::Dump => { dump().await; return Ok(()) } _ => {} }
                serve().await
            }",
        )
        .expect("parses");
        assert_eq!(command_gates(&f.block), ["pull", "build", "dump"]);
        let whole: syn::ItemFn = syn::parse_str(
            "async fn main() {
                match cmd {
                    Cmd::Serve => { serve().await?; return Ok(()); }
                    Cmd::Pull => { pull().await?; return Ok(()); }
                }
            }",
        )
        .expect("parses");
        assert!(command_gates(&whole.block).is_empty());
    }

    #[test]
    fn an_arm_that_leaves_with_its_call_is_a_gate() {
        let f: syn::ItemFn = syn::parse_str(
            "async fn main() {
                match matches.subcommand() {
                    Some((\"configure\", m)) => std::process::exit(match configure(m).await {
                        Ok(code) => code,
                        Err(_) => 1,
                    }),
                    Some((\"diagnostics\", m)) => return diagnostics(m).await,
                    Some((\"version\", _)) => std::process::exit(0),
                    Some((\"help\", _)) => return,
                    None => {}
                    _ => {}
                }
                serve().await
            }",
        )
        .expect("parses");
        assert_eq!(command_gates(&f.block), ["configure", "diagnostics"]);
    }

    #[test]
    fn an_if_that_leaves_with_its_call_is_a_gate() {
        let f: syn::ItemFn = syn::parse_str(
            "async fn main() {
                if matches!(args.command, Some(Command::Publish)) {
                    return publish::publish_feed().await;
                }
                if let Some(Command::Seed(s)) = args.command { seed(s).await?; return Ok(()); }
                if args.check { return Ok(()); }
                serve().await
            }",
        )
        .expect("parses");
        assert_eq!(command_gates(&f.block), ["publish_feed", "seed"]);
        // The last statement of `main` is its own work, not a gate before it.
        let last: syn::ItemFn =
            syn::parse_str("async fn main() { setup(); if args.serve { return serve().await; } }")
                .expect("parses");
        assert!(command_gates(&last.block).is_empty());
    }

    #[test]
    fn modules_at_conventional_paths() {
        let m = |p: &str| module_of(Path::new(p));
        assert_eq!(
            m("src/cli/basic/http.rs"),
            Some(vec!["cli".into(), "basic".into(), "http".into()])
        );
        assert_eq!(
            m("src/cli/basic/mod.rs"),
            Some(vec!["cli".into(), "basic".into()])
        );
        assert_eq!(m("src/lib.rs"), Some(vec![]));
        assert_eq!(m("src/bin/tool.rs"), None);
        assert_eq!(m("build.rs"), None);
    }
}
