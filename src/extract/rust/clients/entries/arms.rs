//! Which module a subcommand's `match` arm hands its work to (`Command::Serve =>
//! server::run()`), seen through the wrappers a result passes on its way out: the
//! dispatches [`super`] splits a package's entries by.

use syn::Expr;

use super::methods::PASS_THROUGH;
use super::values::arm_value;
use super::{count, Visitor};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::Deps;

impl Visitor<'_, '_> {
    /// `match command { A => a::run(), B(o) => b::run(o).await, .. }`: two or more
    /// arms calling functions of distinct modules the file declares.
    /// A local package's function an arm runs (`Self::Ai(c) => atuin_ai::run(c)`)
    /// is a subcommand too, whose code is that package's: listed for
    /// [`Self::note_dispatched`].
    pub(super) fn dispatch(&mut self, m: &syn::ExprMatch) {
        let mut modules: Vec<String> = Vec::new();
        let mut packages: Vec<String> = Vec::new();
        // `(module, function)` of each arm calling `module::function(..)`.
        let mut functions: Vec<(String, String)> = Vec::new();
        for arm in arms_within(m) {
            let is_module = |m: &str| {
                self.mods.iter().any(|d| d == m)
                    || self.nested_module(m).is_some()
                    || self.ctx.deps.and_then(|d| d.local_package(m)).is_some()
            };
            let own = |m: &str| own_library(self.ctx.deps, m);
            // `s3::deploy(a)` with `use my_cli::deploy::s3`: the module the import names.
            let module = arm_module(&arm.body, &is_module, &own)
                .filter(|(m, of_library)| *of_library || is_module(m));
            let module = module.or_else(|| self.imported_module(&arm.body, &is_module, &own));
            let module = module.or_else(|| self.value_module(arm).map(|m| (m, false)));
            let Some((mut module, of_library)) = module else {
                continue;
            };
            let called = arm_call(&arm.body, &is_module);
            if let Some(f) = called.and_then(|p| module_function(p, of_library)) {
                functions.push((module.clone(), f));
            }
            if let Some(nested) = self.nested_module(&module) {
                module = nested;
            }
            // A module of the library is kept when its file sits where the binary's
            // own module would ([`Units::split`] looks for it there).
            if self.mods.contains(&module) || module.contains('/') || of_library {
                if !modules.contains(&module) {
                    modules.push(module);
                }
            } else if let Some(p) = self.ctx.deps.and_then(|d| d.local_package(&module)) {
                packages.push(p.to_string());
            }
        }
        // `Commands::Login => commands::login()`, `Commands::Deploy => commands::deploy()`:
        // one module re-exporting each command's function from a file of its own
        // (lagon's `commands/login.rs`); each file is an entry ([`Units::split`]
        // skips a name no file has).
        if let [only] = modules.as_slice() {
            let mut of_it: Vec<String> = Vec::new();
            for (_, f) in functions.iter().filter(|(m, _)| m == only) {
                let entry = format!("{only}/{f}");
                if !of_it.contains(&entry) {
                    of_it.push(entry);
                }
            }
            if of_it.len() >= 2 {
                modules = of_it;
            }
        }
        if modules.len() >= 2 {
            for module in modules {
                if !self.facts.dispatch.contains(&module) {
                    self.facts.dispatch.push(module);
                }
            }
            for p in packages {
                count(&mut self.dispatched, p);
            }
        }
    }
}

impl Visitor<'_, '_> {
    /// The library module of a function an arm calls by a name it imports (`use
    /// meta::cluster::dump::dump;` then `Commands::Dump { .. } => dump(&b).await`):
    /// `cluster/dump`, the modules between the library and the function, so that
    /// commands kept in one directory are each an entry of their own.
    fn imported_module(
        &self,
        body: &Expr,
        is_module: &dyn Fn(&str) -> bool,
        is_own: &dyn Fn(&str) -> bool,
    ) -> Option<(String, bool)> {
        let p = arm_call(body, is_module)?;
        let names: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let path = self.imports.path(&names, false);
        match path.as_slice() {
            [first, modules @ .., _] if !modules.is_empty() && is_own(first) => {
                Some((modules.join("/"), true))
            }
            _ => None,
        }
    }
}

/// The function of `module::function`, a two-segment path; or, for a module the file
/// declares (not `of_library`), the submodule of `module::sub::run` (chalk's
/// `commands::update::run(check)`: the file `commands/update.rs`), a lowercase second
/// segment of three.
fn module_function(p: &syn::Path, of_library: bool) -> Option<String> {
    let s = &p.segments;
    match s.len() {
        2 => Some(s[1].ident.to_string()),
        3 if !of_library => {
            let sub = s[1].ident.to_string();
            sub.starts_with(|c: char| c.is_ascii_lowercase())
                .then_some(sub)
        }
        _ => None,
    }
}

/// The arms of a subcommand `match`, and those of a `match` an arm's body is
/// (`Command::Deploy(a) => match a.provider { Provider::S3(a) => s3::deploy(a) }`):
/// a nested subcommand's modules are the outer command's entries.
fn arms_within(m: &syn::ExprMatch) -> impl Iterator<Item = &syn::Arm> {
    m.arms.iter().flat_map(|arm| {
        let nested = match arm_value(&arm.body) {
            Expr::Match(inner) => inner.arms.as_slice(),
            _ => std::slice::from_ref(arm),
        };
        nested.iter()
    })
}

/// Whether a path's first segment names the package's own library: `crate`, or the
/// library's name as its binaries write it.
fn own_library(deps: Option<&Deps>, first: &str) -> bool {
    first == "crate"
        || deps
            .and_then(|d| d.names.get(first))
            .is_some_and(|p| p == "crate")
}

/// The module an arm's body calls a function of: `server::run()`, `b::run(o).await?`,
/// `{ admin::run(c) }`, `return doctor::run(&s).await`, and through the wrappers a
/// result passes on its way out: `Ok(extension::execute(cmd)?)`,
/// `upgrade::install().map_err(Into::into)`, a block's tail after a guard (`{ if
/// !direct { return Err(..) } upgrade::install() }`). `is_module`: whether a name is
/// a module the file declares or a local package. A path through the package's own
/// library (`is_own`: `crate`, or its name from one of its binaries:
/// `unleash_edge::health_checker::check_health(a)`) names the library's module, the
/// second segment: then `true` comes with it.
pub(super) fn arm_module(
    body: &Expr,
    is_module: &dyn Fn(&str) -> bool,
    is_own: &dyn Fn(&str) -> bool,
) -> Option<(String, bool)> {
    let p = arm_call(body, is_module)?;
    let segments = &p.segments;
    let first = segments.first()?.ident.to_string();
    match segments.len() {
        n if n >= 3 && is_own(&first) => Some((segments[1].ident.to_string(), true)),
        n if n >= 2 => Some((first, false)),
        _ => None,
    }
}

/// The path of the function an arm's body calls, seen through the wrappers
/// [`arm_module`] sees through.
pub(super) fn arm_call<'e>(
    body: &'e Expr,
    is_module: &dyn Fn(&str) -> bool,
) -> Option<&'e syn::Path> {
    let mut value = arm_value(body);
    loop {
        value = match value {
            Expr::Call(c) if c.args.len() == 1 && is_ok_or_some(&c.func) => arm_value(&c.args[0]),
            Expr::MethodCall(m) if PASS_THROUGH.iter().any(|w| m.method == w) => {
                arm_value(&m.receiver)
            }
            Expr::Block(b) => match b.block.stmts.split_last() {
                Some((syn::Stmt::Expr(tail, None), before))
                    if !calls_a_module(before, is_module) =>
                {
                    arm_value(tail)
                }
                _ => return None,
            },
            _ => break,
        };
    }
    let Expr::Call(c) = value else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    Some(&p.path)
}

/// Whether statements call a function of a module (`a::run()`, `is_module`): before a
/// block's tail, such a call makes the arm run two modules' work, no dispatch to one;
/// a guard (`if std::env::var_os(..).is_some() { return Err(..) }`) or a type's
/// function (`Data::init()?`) does not.
fn calls_a_module(stmts: &[syn::Stmt], is_module: &dyn Fn(&str) -> bool) -> bool {
    struct Finder<'m>(bool, &'m dyn Fn(&str) -> bool);
    impl<'a> syn::visit::Visit<'a> for Finder<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let segments = &p.path.segments;
                self.0 |= segments.len() >= 2 && with_ident_str(&segments[0].ident, self.1);
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut f = Finder(false, is_module);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.0
}

/// `Ok` or `Some`, the wrappers an arm's result may be rebuilt in.
fn is_ok_or_some(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some"))
}
