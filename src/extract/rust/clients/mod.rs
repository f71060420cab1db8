//! The per-file `syn` visitor: follows values from catalogue constructors through
//! `let` bindings, reassignment, struct fields, method chains and well-known macro
//! bodies, and records every call made on them.

// Per-file name maps, looked up for every variable use: Fx hashing, not SipHash.
use rustc_hash::FxHashMap;
use syn::visit::{self, Visit};
use syn::Expr;

use crate::extract::rust::catalog::{Catalog, PathRole};
use crate::extract::rust::facts::{FileFacts, Origin, Target};
use crate::extract::rust::front::imports::{Deps, Imports};
use crate::extract::rust::front::index::Index;
use crate::extract::rust::front::positions::Positions;
use crate::extract::rust::front::target::is_wasm_only;
use crate::extract::rust::test_files::module_files;
use crate::source::SourceFile;

mod address;
mod address_fns;
mod bindings;
mod bound;
mod callgraph;
mod calls;
mod chains;
mod collect;
mod combinators;
mod detached;
pub mod entries;
mod eval;
mod fields;
mod flow;
mod foreign;
mod gates;
mod graph_answers;
mod guards;
mod handed;
mod handles;
mod items;
mod jobs;
mod layers;
mod lets;
pub mod link;
mod link_key;
mod listener;
mod logins;
mod mentions;
mod nodes;
pub(crate) mod package;
mod periodic;
mod placeholders;
mod pools;
mod request_path;
mod returned;
mod roles;
mod run_consts;
pub mod runners;
mod scope;
mod senders;
mod serverless;
mod syntax;
mod timed;
pub(crate) use listener::names_own_listener;
/// Whether a call is local (this host, a socket): the retry analysis asks it of loops.
pub(crate) use syntax::local_arg;
pub(crate) mod dead;
mod dead_callers;
pub(crate) mod dead_paths;
pub(crate) mod dead_types;
pub(crate) mod test_only;
mod tools;
mod verdict;
pub mod wildcards;
pub mod workspace;
mod wrappers;

use collect::Collector;
use handles::prune;
use scope::Scope;
pub use syntax::macro_exprs;
use syntax::*;

/// What the visitor needs to know about the run and the package.
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
    /// `None` when no `Cargo.toml` was found: crate names are taken as written.
    pub deps: Option<&'a Deps>,
    /// `[rust] max-tokens`: a file with more tokens is not parsed (see
    /// [`crate::extract::rust::scan::MAX_TOKENS`]).
    pub max_tokens: usize,
}

/// Summarises one parsed file, resolving paths through the front end's `imports`.
pub fn summarize_file(
    file: &syn::File,
    index: &Index,
    imports: &Imports,
    ctx: &Ctx,
    source: &SourceFile,
) -> FileFacts {
    let mut collector = Collector::new(ctx.catalog);
    collector.read(index);
    let mut v = Visitor::new(ctx, imports, source, &mut collector);
    v.note_file(file, index, source, &collector);
    v.breaker_fields(&collector.field_types);
    v.cli_payloads(&collector.cli_variants, &collector.subcommand_fields);
    v.cli_variant_names = std::mem::take(&mut collector.cli_variant_names);
    v.facts.cli_enums = std::mem::take(&mut collector.cli_enum_names);
    v.note_own_wrappers(file, source.text.as_str());
    v.visit_file(file);
    v.file_shape();
    v.note_delegate();
    v.note_dispatched();
    v.facts.parser_dispatch = collector.cli_enum && v.facts.dispatch.len() >= 2;
    let unused = (v.unused_lets.iter())
        .filter(|&&(h, uses)| v.facts.handles[h].chains.get().len() == uses)
        .map(|&(h, _)| h);
    v.fallbacks.extend(unused.collect::<Vec<_>>());
    prune(v.facts, &v.fallbacks)
}

struct Visitor<'c, 'a> {
    ctx: &'c Ctx<'a>,
    /// The file's text names a catalogued timeout layer type (`TimeoutLayer`).
    layer_text: bool,
    /// The text holds `bind(`: only then are chains asked for a listener's ([`bound`]).
    bind_text: bool,
    /// The text holds `service_fn(` and names a timeout layer: only then are chains
    /// asked for a timed raw service ([`layers`]).
    service_fn_text: bool,
    /// The package depends on a serverless runtime's crate ([`serverless`]).
    serverless: bool,
    /// The package may depend on a terminal prompt crate ([`logins`]).
    prompts: bool,
    pos: Positions<'c>,
    imports: &'c Imports<'a>,
    facts: FileFacts,
    scopes: Vec<Scope>,
    /// `self.<field>` → its placeholder handle per `impl` type (`*`: any, a field
    /// typed as a breaker), for the whole file.
    fields: FxHashMap<String, Vec<(Option<String>, usize)>>,
    /// Depth of timeout wrappers around the expression being visited.
    wrapped: usize,
    /// Self type of the enclosing `impl`.
    impl_type: Option<String>,
    /// Depth of circuit-breaker `call`s around the expression being visited.
    breaker: usize,
    /// Link key of the function being visited.
    fn_name: Option<String>,
    /// Whether its callers may not name it: see [`ClientOrigin::host_called`].
    host_called: bool,
    /// Whether the enclosing `impl` implements a trait.
    trait_impl: bool,
    /// Depth of items and `let`s compiled only for WebAssembly around the code
    /// being visited ([`ClientOrigin::wasm`]).
    wasm: u32,
    /// `static` names used in the file → their placeholder handle.
    statics: FxHashMap<String, usize>,
    /// Fields a struct literal of the file fills with a variable holding a local
    /// address (`MetricsHandler { rest_addr, .. }` after `let rest_addr =
    /// format!("http://0.0.0.0:{port}")`), by field key ([`Self::field_key`]): a
    /// request to `self.rest_addr` goes there too.
    local_fields: FxHashMap<String, Target>,
    /// Names bound by the enclosing `if let Some(t) = ..` branches that set a timeout.
    optional: Vec<String>,
    /// Depth of `else` branches of such `if`s.
    configurable: usize,
    /// The request chain the last method chain visited made, when it made one:
    /// (handle, chain index).
    last_request: Option<(usize, usize)>,
    /// Out-of-line modules the file declares outside test code.
    mods: Vec<String>,
    /// Variants of the file's command-line parser enums whose payload type is a
    /// declared module's → that module ([`entries::values`]).
    cli_variants: Vec<(String, String)>,
    /// The declared module a subcommand field's type is from, when one is.
    cli_delegate: Option<String>,
    /// The variants of the file's command-line parser enums: a dispatch on them may
    /// run free functions as subcommands ([`entries::methods`]).
    cli_variant_names: Vec<String>,
    /// Local packages a dispatch's arms run a function of, with the arms' count.
    dispatched: Vec<(String, u32)>,
    /// The expression about to be visited is a `let`'s `loop` (its value bound).
    valued_loop: bool,
    /// The expression about to be visited is a `while` that ends with its work by
    /// what its block shows: it gathers a result the block reads after it, reads a
    /// finite stream, or waits on the terminal's resizes ([`entries::block_shape`]).
    collecting_loop: bool,
    /// Receivers of the channels the function being visited makes and keeps to
    /// itself: a `while` draining one ends with the function's work
    /// ([`entries::pipeline`]).
    local_receivers: Vec<String>,
    /// A task that only watches signals was spawned (and not visited).
    signal_watcher: bool,
    /// A signal source was called outside such tasks (`ctrl_c()`, `signal(..)`).
    signal_called: bool,
    /// A stream of the terminal's resizes was made (`entries::signals`).
    terminal_signal: bool,
    /// Local packages the file names (calls, paths, `use`s), with the count.
    namings: Vec<(String, u32)>,
    /// The handle whose request call the chain being visited is the argument of.
    request_arg: Option<usize>,
    /// A chain given as `request_arg` made the request itself.
    merged_request: bool,
    /// Whether the function being visited has a loop and a pacing call ([`periodic`]),
    /// or spawns a task it detaches ([`detached`]): bits.
    paced: u8,
    /// Where the calls of timeout wrappers in the function being visited start ([`timed`]).
    wrapper_starts: Vec<proc_macro2::LineColumn>,
    /// The file's own timeout wrappers, by name ([`wrappers`]).
    own_wrappers: Vec<String>,
    /// Handles of clients built only when a chain's own build fails
    /// ([`Visitor::drop_fallbacks`]), or stored in a field nothing reads
    /// (`unread_fields`): pruned.
    fallbacks: Vec<usize>,
    /// The file's struct fields nothing reads, as `Type.field` (collected first).
    unread_fields: Vec<String>,
    /// Clients bound to `_` or a `_name`, with their chains' count then: pruned when
    /// nothing was done with them after ([`Visitor::note_unused`]).
    unused_lets: Vec<(usize, usize)>,
    /// Why the addresses of the `if` branch being visited are local, when its
    /// condition compares one with this host's (`if url == "http://localhost:8042"`).
    local_branch: Option<String>,
}

impl<'c, 'a> Visitor<'c, 'a> {
    /// The visitor of `source` before its walk, its facts started with what the
    /// collector's pass over the file found (constants, types, aliases, modules).
    fn new(
        ctx: &'c Ctx<'a>,
        imports: &'c Imports<'a>,
        source: &'c SourceFile,
        collector: &mut Collector,
    ) -> Self {
        let layer_text = layers::names_a_layer(ctx.catalog, source.text.as_bytes());
        let bind_text = memchr::memmem::find(source.text.as_bytes(), b"bind(").is_some();
        let service_fn_text =
            layer_text && memchr::memmem::find(source.text.as_bytes(), b"service_fn(").is_some();
        Visitor {
            ctx,
            layer_text,
            bind_text,
            service_fn_text,
            serverless: serverless::may_run_function(ctx.deps, ctx.catalog),
            prompts: logins::may_prompt(ctx.deps, ctx.catalog),
            pos: Positions::of_source(source),
            imports,
            facts: FileFacts {
                consts: std::mem::take(&mut collector.consts),
                const_refs: std::mem::take(&mut collector.const_refs),
                types: std::mem::take(&mut collector.types),
                aliases: std::mem::take(&mut collector.aliases),
                test_mods: std::mem::take(&mut collector.test_mods),
                address_fns: std::mem::take(&mut collector.address_fns),
                ..FileFacts::default()
            },
            scopes: vec![Scope::default()],
            fields: FxHashMap::default(),
            wrapped: 0,
            impl_type: None,
            breaker: 0,
            fn_name: None,
            host_called: false,
            trait_impl: false,
            wasm: 0,
            statics: FxHashMap::default(),
            local_fields: FxHashMap::default(),
            optional: Vec::new(),
            configurable: 0,
            last_request: None,
            mods: std::mem::take(&mut collector.mods),
            cli_variants: Vec::new(),
            cli_delegate: None,
            cli_variant_names: Vec::new(),
            dispatched: Vec::new(),
            valued_loop: false,
            collecting_loop: false,
            local_receivers: Vec::new(),
            signal_watcher: false,
            signal_called: false,
            terminal_signal: false,
            namings: Vec::new(),
            request_arg: None,
            merged_request: false,
            paced: 0,
            wrapper_starts: Vec::new(),
            own_wrappers: Vec::new(),
            fallbacks: Vec::new(),
            unread_fields: std::mem::take(&mut collector.unread_fields),
            unused_lets: Vec::new(),
            local_branch: None,
        }
    }
}

impl Visitor<'_, '_> {
    /// Notes what the whole file is before its walk: a one-shot tool's by its
    /// package's dependencies, its private modules, whether it is compiled only for
    /// WebAssembly, and whether it is a crate root or a binary by its path.
    fn note_file(
        &mut self,
        file: &syn::File,
        index: &Index,
        source: &SourceFile,
        collector: &Collector,
    ) {
        (self.facts.one_shot, self.facts.one_shot_but_serves) = package::one_shot_by_deps(self.ctx);
        self.facts.private_mods = gates::private_mods(index);
        self.facts.wasm_files = module_files(&source.path, &collector.wasm_mods);
        self.facts.wasm_code = is_wasm_only(&file.attrs);
        self.facts.library_root = source.path.ends_with("src/lib.rs");
        self.facts.binary_root = source.path.ends_with("src/main.rs")
            || source.path.parent().is_some_and(|d| d.ends_with("src/bin"))
            || source
                .path
                .ancestors()
                .nth(2)
                .is_some_and(|d| d.ends_with("src/bin"));
        self.facts.bin_crate = entries::bin_crate(&source.path);
        self.facts.oauth_module = logins::oauth_module(&source.path);
    }

    /// Struct fields typed as a breaker hold one wherever it is built: each gets a
    /// breaker handle for any `impl` type before the walk.
    fn breaker_fields(&mut self, field_types: &[(String, Vec<String>)]) {
        for (field, ty) in field_types {
            if let Some((PathRole::BreakerType(api), _)) = self.role(ty) {
                let h = self.new_handle(Origin::Breaker { api });
                let any_type = Some("*".to_string());
                self.fields
                    .entry(field.clone())
                    .or_default()
                    .push((any_type, h));
            }
        }
    }
}

impl Visitor<'_, '_> {
    fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn depends(&self, krate: &str) -> bool {
        self.ctx.deps.is_none_or(|d| d.depends_on(krate))
    }

    /// The catalogue role of a path as written, and the resolved path.
    fn role(&self, segs: &[String]) -> Option<(PathRole, Vec<String>)> {
        if !self.ctx.catalog.may_match(segs.last()?) {
            return None;
        }
        let depends = |k: &str| self.depends(k);
        self.imports.resolve(segs).into_iter().find_map(|p| {
            match self.ctx.catalog.role(&p, &depends) {
                Some(r) => Some((r, p)),
                None => {
                    (self.ctx.catalog.reexported_role(&p, &depends)).map(|r| (r, p[1..].to_vec()))
                }
            }
        })
    }

    /// A function of this package called by path: its link key.
    fn local_callee(&self, segs: &[String]) -> Option<String> {
        let local = self.imports.is_local(segs) || (self.ctx.deps.is_none() && segs.len() == 1);
        if !local {
            return None;
        }
        let n = segs.len();
        Some(match (n, segs.first().map(String::as_str)) {
            (1, _) => segs[0].clone(),
            (2, Some("Self")) => format!("{}::{}", self.impl_type.as_deref()?, segs[1]),
            _ if n >= 2 && segs[n - 2].chars().next().is_some_and(char::is_uppercase) => {
                format!("{}::{}", segs[n - 2], segs[n - 1])
            }
            _ => segs[n - 1].clone(),
        })
    }

    /// Visits `e` and returns the handle it evaluates to, if any.
    fn expr(&mut self, e: &Expr) -> Option<usize> {
        // Neither holds a client nor shows a lasting process (their modules' docs).
        if matches!(e, Expr::While(w) if entries::ignores_signal(w)) {
            return None;
        }
        if entries::spawns_signal_watcher(e) {
            self.signal_watcher = true;
            return None;
        }
        if let Some(done) = self.own_wrapper_call(e) {
            return done;
        }
        self.note_shape(e);
        self.note_pacing(e);
        self.note_bind(e);
        match e {
            // `x.m().await?`: the chain sees the `.await` (it marks awaited calls).
            Expr::Try(_) | Expr::Await(_) if ends_in_method_call(e) => self.method_chain(e),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Try(t) => self.expr(&t.expr),
            Expr::Await(a) => self.expr(&a.base),
            Expr::Reference(r) => self.expr(&r.expr),
            // `&*CLIENT`: a `LazyLock` static's value, as `&CLIENT` (devolutions' proxy).
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.expr(&u.expr),
            Expr::Path(p) => self.path_value(&p.path),
            Expr::If(i) if self.if_optional(i) => None,
            Expr::If(i) => match self.if_let_some(i) {
                Some(value) => value,
                None => self.if_value(i),
            },
            Expr::Match(m) => self.match_value(m),
            Expr::Field(f) if is_self(&f.base) => match &f.member {
                syn::Member::Named(n) => self.self_field(n),
                _ => None,
            },
            Expr::Call(c) => self.call(c),
            Expr::MethodCall(_) => self.method_chain(e),
            Expr::Assign(a) => {
                self.assign(a);
                None
            }
            Expr::Struct(s) => {
                self.struct_literal(s);
                None
            }
            Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    if let Some(h) = self.expr(x) {
                        self.scope().returns.push(h);
                    }
                }
                None
            }
            _ => {
                visit::visit_expr(self, e);
                None
            }
        }
    }

    fn mac(&mut self, m: &syn::Macro) {
        let Some(kind) = macro_kind(&m.path) else {
            return;
        };
        if kind == "statics" {
            return self.lazy_statics(m);
        }
        if kind == "message" && !crate::extract::rust::front::macros::sends(&m.tokens) {
            return;
        }
        let sleeps = m.path.segments.last().is_some_and(|s| s.ident == "select")
            && mentions(&m.tokens, &["sleep", "timeout"]);
        if sleeps {
            if let Some(branches) = crate::extract::rust::front::macros::select_branches(m) {
                return self.racing_sleep(&branches);
            }
            self.wrapped += 1;
        }
        if kind == "block" {
            if let Some(stmts) = crate::extract::rust::front::macros::stmts(m) {
                for (i, s) in stmts.iter().enumerate() {
                    self.before_stmt(&stmts, i);
                    self.visit_stmt(s);
                }
            }
        } else {
            for e in macro_exprs(m).iter() {
                // `select! { r = fut => .., _ = sleep(d) => .. }` bounds a request
                // future bound by `let` as `timeout(d, fut)` does.
                if sleeps {
                    self.wrap_pending(e);
                }
                self.expr(e);
            }
        }
        if sleeps {
            self.wrapped -= 1;
        }
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        self.expr(e);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.block_shape(b);
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        if detached::dropped_spawn(s).is_some() {
            self.paced |= periodic::HAS_SPAWN;
        }
        visit::visit_stmt(self, s);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `#[cfg(feature = "test_mode")] let client = ..;` beside its release twin
        // `#[cfg(not(..))] let client = ..;`: the test build's binding is no client of
        // the service (and the release one, which shadows it here, is the one used).
        if !is_test(&l.attrs) {
            self.wasm_scope(&l.attrs, |v| v.local(l));
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.mac(m);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.item_static(s);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.item_mod(m);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.item_fn(f);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.item_impl(i);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.impl_item_fn(f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.trait_item_fn(f);
    }
}
