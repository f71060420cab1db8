//! Inline subcommands: a command line's `match` whose arms do their work in place
//! (trailbase's `trail`: `SubCommands::Run(cmd) => { .. app.serve().await }` beside
//! `SubCommands::Components { cmd } => { .. reqwest::get(url) .. }`, in one function
//! of the binary, or of the module that defines the command line and dispatches it:
//! vorpal's `command::run`, which `main` calls). No module ([`super::arms`]), method or function
//! ([`super::methods`]) holds such a command's work, so the arm is the unit: a
//! request made inside an arm on a parser enum's variant, when nothing the arm runs
//! shows a long-running process, is a one-shot command's.
//!
//! What the arm runs is judged from its own code first, strictly, while the file is
//! walked ([`InlineArm`] is kept only for a quiet arm): a `loop` or `while`, a spawned
//! task, a `select!`, a path or method naming a server (`Server`, `serve`, `bind`), or
//! a framework or a shutdown signal named, and the arm is no one-shot command. Then,
//! once the package is known ([`one_shot_arms`]): its enum must be a parser's enum of
//! the package, no package function it calls by name may reach a long-running one,
//! and no local package it names may serve. A call made on a value another party's
//! path made (`OpenOptions::new().open(p)`, `reqwest::Client::builder().build()`), and
//! a standard trait's method (`clone`), is no call of a package function by its name.
//! Only the requests made in the arm's own
//! body are marked; a client built there and handed to a function elsewhere keeps
//! those requests judged.

use rustc_hash::FxHashSet as HashSet;
use syn::visit::Visit;
use syn::{Expr, Pat};

use super::super::roles::parses_command_line;
use super::super::Visitor;
use super::is_framework;
use super::methods::long_reaching_names;
use super::quiet::LongRunning;
use crate::extract::rust::facts::{FileFacts, InlineArm};
use crate::extract::rust::front::ident::with_ident_str;
use crate::tree::Span;

/// Method and path names that start or are a server: an arm naming one runs long.
const SERVES: [&str; 6] = ["Server", "server", "serve", "bind", "listen", "run_forever"];

/// The enum and variant an arm's pattern names: `SubCommands::Components { cmd }`,
/// `Commands::Login`, `Some(Cmd::Add(a))` (an optional subcommand).
fn arm_enum(pat: &Pat) -> Option<(&syn::Ident, &syn::Ident)> {
    let path = super::methods::arm_path(pat)?;
    let n = path.segments.len();
    let ty = &path.segments.get(n.checked_sub(2)?)?.ident;
    (ty != "Self").then(|| (ty, &path.segments[n - 1].ident))
}

/// What an arm's body shows: whether anything in it runs long, the names it calls
/// and the first segments of the paths it names. A call on a value another party's
/// code made (`reqwest::ClientBuilder::new()..build()`, `OpenOptions::new()..open(p)`)
/// is kept apart with the head of the path that made it, for the file's imports to
/// tell whose it is; so are standard traits' methods (`clone`, `to_string`), which
/// start no process whatever the package names so.
#[derive(Default)]
struct ArmScan {
    long: bool,
    calls: Vec<String>,
    /// Calls on a value made by a path call (`Head::f(..)` or `head(..)`), with the
    /// head: `("build", "reqwest")`, `("new", "OpenOptions")`.
    rooted: Vec<(String, String)>,
    heads: Vec<String>,
}

/// Methods of the standard library's traits: a package's own impl of one runs no
/// command's process.
const STD_TRAIT_METHODS: [&str; 12] = [
    "clone",
    "to_string",
    "to_owned",
    "into",
    "from",
    "default",
    "fmt",
    "eq",
    "as_ref",
    "borrow",
    "deref",
    "drop",
];

/// The head of the path call a method chain starts from (`reqwest` of
/// `reqwest::ClientBuilder::new().redirect(..).build()`, `OpenOptions` of
/// `OpenOptions::new().open(p).await?`), or of a call's own path of two segments or
/// more; `None` for a chain on a variable.
fn chain_head(e: &Expr) -> Option<String> {
    let mut e = e;
    loop {
        e = match e {
            Expr::MethodCall(m) => &m.receiver,
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                return p.path.segments.first().map(|s| s.ident.to_string());
            }
            _ => return None,
        };
    }
}

/// Whether an arm's own code runs long: a loop, a spawned task, a `select!`, a
/// server named ([`ArmScan`]).
pub(super) fn runs_long(body: &Expr) -> bool {
    let mut scan = ArmScan::default();
    scan.visit_expr(body);
    scan.long
}

impl ArmScan {
    fn path(&mut self, path: &syn::Path) {
        let serves = |i: &syn::Ident| with_ident_str(i, |s| SERVES.contains(&s));
        self.long |= path.segments.iter().any(|s| serves(&s.ident));
        // A variable (`cmd`, `url`) names no package: only paths of two segments or
        // more, and the functions called by one name (an import's), are looked up.
        if let (Some(first), true) = (path.segments.first(), path.segments.len() > 1) {
            self.heads.push(first.ident.to_string());
        }
    }
}

impl<'a> Visit<'a> for ArmScan {
    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Loop(_) | Expr::While(_) => self.long = true,
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    if let Some(last) = p.path.segments.last() {
                        let name = last.ident.to_string();
                        self.long |= name.starts_with("spawn");
                        if p.path.segments.len() == 1 {
                            self.heads.push(name.clone());
                            self.calls.push(name);
                        } else {
                            let head = p.path.segments[0].ident.to_string();
                            self.rooted.push((name, head));
                        }
                    }
                }
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                self.long |= name.starts_with("spawn") || SERVES.contains(&name.as_str());
                if !STD_TRAIT_METHODS.contains(&name.as_str()) {
                    match chain_head(&m.receiver) {
                        Some(head) => self.rooted.push((name, head)),
                        None => self.calls.push(name),
                    }
                }
            }
            _ => {}
        }
        if !self.long {
            syn::visit::visit_expr(self, e);
        }
    }

    fn visit_path(&mut self, p: &'a syn::Path) {
        self.path(p);
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        let last = m.path.segments.last();
        self.long |= last.is_some_and(|s| s.ident == "select" || s.ident == "join_all");
        self.path(&m.path);
    }
}

impl Visitor<'_, '_> {
    /// Notes the arms of a `match` on two or more variants of one enum whose own code
    /// shows no long-running process (see the module's doc), in a binary root.
    pub(super) fn inline_arms(&mut self, m: &syn::ExprMatch) {
        if m.arms.len() < 2 {
            return;
        }
        let enums: Vec<Option<(&syn::Ident, &syn::Ident)>> =
            m.arms.iter().map(|a| arm_enum(&a.pat)).collect();
        // The enums two or more arms name, each once.
        let mut names: Vec<String> = enums.iter().flatten().map(|(t, _)| t.to_string()).collect();
        names.sort_unstable();
        let mut repeated: Vec<&String> = names
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| &w[1])
            .collect();
        repeated.dedup();
        // An enum the file defines is a parser's only when it derives one: a `match` on
        // the file's own event enum is no dispatch.
        let facts = &self.facts;
        repeated.retain(|t| !facts.types.contains(*t) || facts.cli_enums.contains(*t));
        if repeated.is_empty() || !parses_command_line(self.ctx.deps, self.ctx.catalog) {
            return;
        }
        for (arm, named) in m.arms.iter().zip(&enums) {
            let Some((ty, variant)) = named else { continue };
            if !with_ident_str(ty, |t| repeated.iter().any(|r| *r == t)) {
                continue;
            }
            let mut scan = ArmScan::default();
            scan.visit_expr(&arm.body);
            if scan.long || self.names_a_process(&scan.heads) {
                continue;
            }
            let packages = self.local_packages(&scan.heads);
            let mut calls = scan.calls;
            // A call on what another party's path made is that party's code.
            let rooted = scan.rooted.into_iter();
            calls.extend(rooted.filter(|(_, h)| !self.foreign(h)).map(|(c, _)| c));
            calls.sort_unstable();
            calls.dedup();
            self.facts.inline_arms.push(InlineArm {
                enum_name: ty.to_string(),
                variant: variant.to_string(),
                body: self.pos.of(&*arm.body),
                calls,
                packages,
            });
        }
    }

    /// Whether a path head names a framework or a shutdown signal, directly or
    /// through the file's imports.
    fn names_a_process(&self, heads: &[String]) -> bool {
        let Some(deps) = self.ctx.deps else {
            return false;
        };
        heads.iter().any(|h| {
            let full = self.imports.lookup(h, false);
            let first = full.as_ref().and_then(|f| f.first()).unwrap_or(h);
            let package = deps.names.get(first).map_or(first.as_str(), String::as_str);
            let signal = full
                .as_ref()
                .is_some_and(|f| f.len() >= 2 && f[0] == "tokio" && f[1] == "signal");
            signal || is_framework(self.ctx.catalog, package)
        })
    }

    /// Whether a path head names another party's code: a dependency that is no
    /// package of the run, or the standard library, directly or through the file's
    /// imports (`OpenOptions` of `use tokio::fs::OpenOptions`).
    fn foreign(&self, head: &str) -> bool {
        let Some(deps) = self.ctx.deps else {
            return false;
        };
        let full = self.imports.lookup(head, false);
        let first = full
            .as_ref()
            .and_then(|f| f.first())
            .map_or(head, String::as_str);
        // The standard library, and its prelude's types (`String::new()`).
        if matches!(
            first,
            "std" | "core" | "alloc" | "String" | "Vec" | "Box" | "Option" | "Result"
        ) {
            return true;
        }
        deps.names.contains_key(first) && deps.local_package(first).is_none()
    }

    /// The local packages path heads name, directly or through the file's imports.
    fn local_packages(&self, heads: &[String]) -> Vec<String> {
        let Some(deps) = self.ctx.deps else {
            return Vec::new();
        };
        let mut out: Vec<String> = heads
            .iter()
            .filter_map(|h| {
                let full = self.imports.lookup(h, false);
                let first = full.as_ref().and_then(|f| f.first()).unwrap_or(h);
                deps.local_package(first).map(str::to_string)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// For a package that serves and parses a command line (`(index, facts)` as it lists
/// its files): the bodies of its one-shot inline subcommands, by (package file index,
/// span), each with why. `serving`: the packages of the run that serve.
pub(crate) fn one_shot_arms(
    files: &[(usize, FileFacts)],
    serving: &LongRunning,
) -> Vec<(usize, Span, String)> {
    if files.iter().all(|(_, f)| f.inline_arms.is_empty()) {
        return Vec::new();
    }
    let long_names = long_reaching_names(files);
    let enums: HashSet<&str> = (files.iter())
        .flat_map(|(_, f)| f.cli_enums.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for (k, (_, f)) in files.iter().enumerate() {
        for arm in &f.inline_arms {
            let quiet = enums.contains(arm.enum_name.as_str())
                && !arm.calls.iter().any(|c| long_names.contains(c.as_str()))
                && !arm
                    .packages
                    .iter()
                    .any(|p| serving.contains_key(p.as_str()));
            if quiet {
                let why = format!(
                    "in the `{}` subcommand's arm of a command line's `match` on `{}`, whose code runs no loop, server or task: a one-shot command",
                    arm.variant, arm.enum_name
                );
                out.push((k, arm.body, why));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{arm_enum, ArmScan};
    use syn::visit::Visit;

    fn arm(text: &str) -> syn::Arm {
        let m: syn::ExprMatch = syn::parse_str(&format!("match x {{ {text} }}")).expect("a match");
        m.arms.into_iter().next().expect("an arm")
    }

    #[test]
    fn the_enum_and_variant_an_arm_names() {
        let named = |text: &str| arm_enum(&arm(text).pat).map(|(t, v)| format!("{t}::{v}"));
        assert_eq!(
            named("SubCommands::Components { cmd } => ()").as_deref(),
            Some("SubCommands::Components")
        );
        assert_eq!(
            named("Some(Cmd::Add(a)) => ()").as_deref(),
            Some("Cmd::Add")
        );
        assert_eq!(named("Self::Login => ()"), None);
        assert_eq!(named("Login => ()"), None);
        assert_eq!(named("_ => ()"), None);
    }

    #[test]
    fn an_arm_runs_long_by_its_own_code() {
        let long = |text: &str| {
            let mut scan = ArmScan::default();
            scan.visit_expr(&arm(text).body);
            scan.long
        };
        assert!(!long(
            "C::Add { url } => { let b = reqwest::get(url).await?; save(b)?; }"
        ));
        assert!(long("C::Watch { url } => loop { poll(&url).await; }"));
        assert!(long("C::Run => { axum::serve(listener, app).await?; }"));
        assert!(long(
            "C::Run => { let l = TcpListener::bind(addr).await?; }"
        ));
        assert!(long("C::Sync => { tokio::spawn(sync()); }"));
        assert!(long(
            "C::Tail => { tokio::select! { _ = a => {}, _ = b => {} } }"
        ));
    }
}
