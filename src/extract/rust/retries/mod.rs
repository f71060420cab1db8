//! Retries in Rust code: hand-written retry loops and retry crates, each with the
//! delay it waits between attempts.
//!
//! Input is one parsed file and its text; output is a list of [`RetryFact`]s, which
//! [`to_node`] turns into a positioned [`Node`] tree (a sequence of maps) that the
//! declarative rules select with `each = "retries[*]"`:
//!
//! | key | value |
//! |---|---|
//! | `kind` | `loop` or `crate` |
//! | `form` | loops: `for`, `while-let`, `while` or `loop` |
//! | `crate`, `strategy` | crates: the package (`tokio-retry`) and the constructor path |
//! | `delay` | `none`, `constant`, `growing` or `unknown` |
//! | `unbounded` | `true`, only when the retry never gives up |
//! | `target` | the URL or host called, when it is a literal or a `const` |
//!
//! Every node's span is the fact's span (the loop header, the strategy construction), so
//! a finding points at its first line; the `delay` value's span is the sleep or strategy
//! expression that decided the delay.
//!
//! What counts as a retry loop (precision first; a loop over a collection is not one):
//! a `for` over a range, `while let Err(..) = ..`, `while cond` or `loop`, whose body
//! awaits (or sleeps), matches `Ok`/`Err` (`match`, `if let`) and leaves on success
//! (`return`/`break` in the `Ok` branch, or `continue` on `Err` before a final exit).
//! Its delay comes from the sleeps in its body (`delay.rs`), followed one call into a
//! helper of the same file and into `tokio::select!` bodies. Retry crates come from the
//! catalogue ([`RetryCatalog`], `apis/retry.toml`).
//!
//! Code under `#[cfg(test)]` and in `#[test]`/`#[tokio::test]` functions is skipped.
//! Visitors stop descending past [`MAX_DEPTH`] nested expressions.

pub mod catalog;
mod crates;
mod delay;
mod loops;
mod walk;
mod words;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

// Per-file name maps, looked up for every path in a retry's reach: Fx hashing.
use rustc_hash::FxHashMap;

use proc_macro2::LineColumn;

pub use catalog::RetryCatalog;

use crate::tree::{Node, Span, Value};

/// How deep the visitors descend into nested expressions.
pub const MAX_DEPTH: usize = 128;

/// One retry site.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryFact {
    /// Byte range in the file text of the loop header or the policy construction; its
    /// first line is where a finding points.
    pub span: Span,
    pub source: RetrySource,
    pub delay: Delay,
    /// The sleep or strategy expression that decided `delay`.
    pub delay_span: Option<Span>,
    /// Never gives up: a `tokio-retry` strategy without `.take(n)`, a `loop` without an
    /// attempt bound.
    pub unbounded: bool,
    /// The literal or `const` URL (or host) called inside, when visible.
    pub target: Option<String>,
}

/// Where a retry comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetrySource {
    /// A hand-written loop; `form` is `for`, `while-let`, `while` or `loop`.
    Loop { form: &'static str },
    /// A retry crate's strategy or policy; `strategy` is the constructor's path.
    Crate { krate: String, strategy: String },
}

/// The wait between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delay {
    /// Retries at once.
    None,
    /// The same wait every time.
    Constant,
    /// Could not tell (an opaque call computes it): never a finding.
    Unknown,
    /// Waits longer after each failure.
    Growing,
}

impl Delay {
    pub fn name(self) -> &'static str {
        match self {
            Delay::None => "none",
            Delay::Constant => "constant",
            Delay::Unknown => "unknown",
            Delay::Growing => "growing",
        }
    }

    /// Joins two parts of one computation: growth wins, then doubt, then a constant.
    pub(crate) fn join(self, other: Delay) -> Delay {
        self.max(other)
    }
}

/// The retry sites of one file.
pub fn retries(file: &syn::File, text: &str, catalog: &RetryCatalog) -> Vec<RetryFact> {
    retries_at(file, Positions::new(text), catalog, None)
}

/// [`retries`] with the positions of the file's text (line starts already known).
pub(crate) fn retries_at(
    file: &syn::File,
    pos: Positions<'_>,
    catalog: &RetryCatalog,
    deps: Option<&crate::extract::rust::front::imports::Deps>,
) -> Vec<RetryFact> {
    let text = pos.text();
    let ctx = Ctx::with_deps(file, pos, catalog, deps);
    let mut facts = loops::find(&ctx, file);
    if catalog.may_be_used_in(text) {
        facts.extend(crates::find(&ctx, file));
    }
    facts.sort_by_key(|f| (f.span.start, f.span.end));
    facts.dedup_by_key(|f| f.span);
    facts
}

/// The facts as a positioned tree: a sequence of maps (see the module docs).
pub fn to_node(facts: &[RetryFact]) -> Node {
    let items = facts
        .iter()
        .map(|f| {
            let key = |k: &str| Node::scalar(k, false, f.span);
            let text = |v: &str| Node::scalar(v, true, f.span);
            let mut map = Vec::new();
            match &f.source {
                RetrySource::Loop { form } => {
                    map.push((key("kind"), text("loop")));
                    map.push((key("form"), text(form)));
                }
                RetrySource::Crate { krate, strategy } => {
                    map.push((key("kind"), text("crate")));
                    map.push((key("crate"), text(krate)));
                    map.push((key("strategy"), text(strategy)));
                }
            }
            map.push((
                key("delay"),
                Node::scalar(f.delay.name(), true, f.delay_span.unwrap_or(f.span)),
            ));
            if f.unbounded {
                map.push((key("unbounded"), Node::scalar("true", false, f.span)));
            }
            if let Some(target) = &f.target {
                map.push((key("target"), text(target)));
            }
            Node {
                value: Value::Map(map),
                span: f.span,
            }
        })
        .collect();
    let whole = match (facts.first(), facts.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end.max(a.span.end)),
        _ => Span::default(),
    };
    Node {
        value: Value::Seq(items),
        span: whole,
    }
}

pub(crate) use crate::extract::rust::front::positions::Positions;

/// A function of the file, by name: free functions and methods alike.
pub(crate) struct FnDef<'a> {
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
}

/// What the extractors share about one file.
pub(crate) struct Ctx<'a> {
    pub pos: Positions<'a>,
    pub catalog: &'a RetryCatalog,
    /// `use` aliases: the name in scope → the full path.
    aliases: FxHashMap<String, Vec<String>>,
    /// Glob imports (`use tokio::time::*`), as paths.
    globs: Vec<Vec<String>>,
    /// Functions of the file by name; `None` when the name is defined twice.
    pub fns: FxHashMap<String, Option<FnDef<'a>>>,
    /// `const`/`static` string values by name.
    pub consts: HashMap<String, String>,
    /// Function bodies of the file from brace to brace, and their `let`s once computed.
    fn_blocks: Vec<(LineColumn, LineColumn, &'a syn::Block)>,
    lets_cache: std::cell::RefCell<HashMap<usize, std::rc::Rc<Lets>>>,
    /// Where the words a loop or a strategy needs appear, to skip bodies without them.
    words: words::Words,
    /// Every segment and every first segment of the catalogue's paths.
    segments: &'a std::collections::HashSet<String>,
    roots: &'a std::collections::HashSet<String>,
}

impl<'a> Ctx<'a> {
    /// The file's context; in a package whose `Cargo.toml` is known, a dependency
    /// renamed there (`backoff2 = { package = "tokio-retry" }`) names its package in code.
    pub fn with_deps(
        file: &'a syn::File,
        pos: Positions<'a>,
        catalog: &'a RetryCatalog,
        deps: Option<&crate::extract::rust::front::imports::Deps>,
    ) -> Self {
        let text = pos.text();
        let mut ctx = Ctx {
            pos,
            catalog,
            aliases: FxHashMap::default(),
            globs: Vec::new(),
            fns: FxHashMap::default(),
            consts: HashMap::new(),
            words: words::Words::empty(),
            fn_blocks: Vec::new(),
            lets_cache: Default::default(),
            segments: &catalog.path_index().segments,
            roots: &catalog.path_index().roots,
        };
        for (name, package) in deps.into_iter().flat_map(|d| d.renames()) {
            if ctx.roots.contains(package) {
                ctx.aliases
                    .insert(name.to_string(), vec![package.to_string()]);
            }
        }
        // Items of the file and of inline modules, iteratively.
        let mut stack: Vec<&'a syn::Item> = file.items.iter().collect();
        while let Some(item) = stack.pop() {
            match item {
                syn::Item::Use(u) => ctx.add_use(&u.tree),
                syn::Item::Fn(f) => {
                    for stmt in &f.block.stmts {
                        if let syn::Stmt::Item(syn::Item::Use(u)) = stmt {
                            ctx.add_use(&u.tree);
                        }
                    }
                    ctx.add_fn(&f.sig, &f.block);
                }
                syn::Item::Impl(i) => {
                    for it in &i.items {
                        match it {
                            syn::ImplItem::Fn(f) => ctx.add_fn(&f.sig, &f.block),
                            syn::ImplItem::Const(c) => ctx.add_const(&c.ident, &c.expr),
                            _ => {}
                        }
                    }
                }
                syn::Item::Const(c) => ctx.add_const(&c.ident, &c.expr),
                syn::Item::Static(s) => ctx.add_const(&s.ident, &s.expr),
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        stack.extend(items.iter());
                    }
                }
                _ => {}
            }
        }
        ctx.words = ctx.scan_words(text);
        ctx
    }

    /// The word scan, with the `use` names and globs that can lead to a strategy.
    fn scan_words(&self, text: &str) -> words::Words {
        let strategy_words = &self.catalog.path_index().strategy_words;
        let aliases = self
            .aliases
            .iter()
            .filter(|(_, full)| strategy_words.compatible_with_a_strategy(full))
            .map(|(name, _)| name.as_str());
        let open = self
            .globs
            .iter()
            .any(|g| strategy_words.compatible_with_a_strategy(g));
        words::Words::scan(text, strategy_words, aliases, open)
    }

    /// Whether a function body's text may hold a loop (its keyword).
    pub fn may_loop(&self, block: &syn::Block) -> bool {
        let (start, end) = braces_of(block);
        self.words.may_loop(start, end)
    }

    /// Whether a function body's text may name a catalogue strategy.
    pub fn may_name_strategy(&self, block: &syn::Block) -> bool {
        let (start, end) = braces_of(block);
        self.words.may_name_strategy(start, end)
    }

    /// Whether a macro body naming `ident` may build a strategy: a catalogue segment or
    /// a `use` name (the macro bodies the crate walk re-parses).
    pub fn is_crate_ident(&self, ident: &proc_macro2::Ident) -> bool {
        let name = ident.to_string();
        self.segments.contains(&name) || self.aliases.contains_key(&name)
    }

    /// The `let`s of the innermost function of the file around position `at`.
    /// Positions compare as `(line, column)`, in the order of their byte offsets, so no
    /// offset is computed; the innermost body is the one that starts last (bodies nest).
    pub fn fn_lets(&self, at: LineColumn) -> std::rc::Rc<Lets> {
        let key = |lc: LineColumn| (lc.line, lc.column);
        let Some((i, _)) = self
            .fn_blocks
            .iter()
            .enumerate()
            .filter(|(_, (s, e, _))| key(*s) <= key(at) && key(at) < key(*e))
            .max_by_key(|(i, (s, _, _))| (key(*s), std::cmp::Reverse(*i)))
        else {
            return Default::default();
        };
        self.lets_cache
            .borrow_mut()
            .entry(i)
            .or_insert_with(|| std::rc::Rc::new(lets_of(self.fn_blocks[i].2)))
            .clone()
    }

    fn add_fn(&mut self, sig: &'a syn::Signature, block: &'a syn::Block) {
        let braces = block.brace_token.span.join();
        self.fn_blocks.push((braces.start(), braces.end(), block));
        self.fns
            .entry(sig.ident.to_string())
            .and_modify(|e| *e = None)
            .or_insert(Some(FnDef { sig, block }));
    }

    fn add_const(&mut self, name: &syn::Ident, expr: &syn::Expr) {
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = expr
        {
            self.consts.insert(name.to_string(), s.value());
        }
    }

    /// A `use` path whose first segment is a dependency renamed in `Cargo.toml`
    /// starts with the package's name instead (the renames were seeded as aliases of
    /// one segment before any `use` was read).
    fn through_renames(&self, mut full: Vec<String>) -> Vec<String> {
        if let Some(first) = full.first() {
            if let Some([package]) = self.aliases.get(first).map(Vec::as_slice) {
                if package != first && self.roots.contains(package) {
                    full[0] = package.clone();
                }
            }
        }
        full
    }

    fn add_use(&mut self, tree: &syn::UseTree) {
        let mut stack = vec![(Vec::<String>::new(), tree)];
        while let Some((prefix, tree)) = stack.pop() {
            match tree {
                syn::UseTree::Path(p) => {
                    let mut next = prefix.clone();
                    next.push(p.ident.to_string());
                    stack.push((next, &p.tree));
                }
                syn::UseTree::Name(n) => {
                    let name = n.ident.to_string();
                    if name == "self" {
                        if let Some(last) = prefix.last() {
                            let full = self.through_renames(prefix.clone());
                            self.aliases.insert(last.clone(), full);
                        }
                    } else {
                        let mut full = prefix.clone();
                        full.push(name.clone());
                        let full = self.through_renames(full);
                        self.aliases.insert(name, full);
                    }
                }
                syn::UseTree::Rename(r) => {
                    let mut full = prefix.clone();
                    if r.ident != "self" {
                        full.push(r.ident.to_string());
                    }
                    if r.rename != "_" {
                        let full = self.through_renames(full);
                        self.aliases.insert(r.rename.to_string(), full);
                    }
                }
                syn::UseTree::Glob(_) => {
                    let full = self.through_renames(prefix);
                    self.globs.push(full);
                }
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        stack.push((prefix.clone(), t));
                    }
                }
            }
        }
    }

    /// The full path a path expression names, through `use` declarations. A name the
    /// file does not import is looked up in glob imports, then matched by its last
    /// segments against the catalogue, for crates the file imports from (and sleeps).
    pub fn resolve(&self, path: &syn::Path) -> String {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve_segments(&segs)
    }

    /// Whether `path` can resolve to a path the catalogue names (or below one): only
    /// when its first segment is a `use` alias or some segment is a catalogue segment
    /// (otherwise [`Ctx::resolve`] returns it as written, and every catalogue path is
    /// made of catalogue segments). A cheap test before resolving, without allocating
    /// per segment.
    pub fn may_name_catalogued(&self, path: &syn::Path) -> bool {
        use std::fmt::Write;
        let mut name = String::new();
        path.segments.iter().enumerate().any(|(i, s)| {
            name.clear();
            let _ = write!(name, "{}", s.ident);
            (i == 0 && self.aliases.contains_key(&name)) || self.segments.contains(&name)
        })
    }

    pub fn resolve_segments(&self, segs: &[String]) -> String {
        let Some(first) = segs.first() else {
            return String::new();
        };
        if let Some(full) = self.aliases.get(first) {
            return full
                .iter()
                .chain(&segs[1..])
                .cloned()
                .collect::<Vec<_>>()
                .join("::");
        }
        let written = segs.join("::");
        let known_root = |root: &str| {
            matches!(root, "std" | "core" | "crate" | "self" | "super" | "Self")
                || self.roots.contains(root)
        };
        if known_root(first) {
            return written;
        }
        // Nothing the catalogue names: no glob or suffix can make it match.
        if !segs.iter().any(|s| self.segments.contains(s)) {
            return written;
        }
        // A local function shadows any catalogue name.
        if segs.len() == 1 && self.fns.contains_key(first) {
            return written;
        }
        for glob in &self.globs {
            let full = glob
                .iter()
                .chain(segs)
                .cloned()
                .collect::<Vec<_>>()
                .join("::");
            if self.catalog_knows(&full) {
                return full;
            }
        }
        // Match `a::B::rest` against catalogue paths holding `a::B`: `x::a::B` gives `x::a::B::rest`.
        let mut candidates: Vec<String> = self
            .catalog
            .all_paths()
            .filter_map(|p| {
                let cat: Vec<&str> = p.split("::").collect();
                (1..cat.len()).find_map(|at| {
                    let tail = &cat[at..];
                    let overlap = tail.len().min(segs.len());
                    (tail[..overlap]
                        == segs[..overlap]
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()[..]
                        && tail.len() <= segs.len())
                    .then(|| format!("{}::{written}", cat[..at].join("::")))
                })
            })
            .collect();
        candidates.dedup();
        let imported_root = |c: &String| {
            let root = c.split("::").next().unwrap_or("");
            self.aliases
                .values()
                .chain(&self.globs)
                .any(|v| v.first().is_some_and(|r| r == root))
        };
        // A crate's names only when the file imports something from that crate; a
        // sleep function always (a call named `sleep` that is not local sleeps).
        candidates
            .into_iter()
            .find(|c| imported_root(c) || self.catalog.is_sleep(c))
            .unwrap_or(written)
    }

    fn catalog_knows(&self, full: &str) -> bool {
        self.catalog
            .all_paths()
            .any(|p| catalog::path_is_or_below(full, p))
    }

    /// The function of this file a call names: `helper(..)`, `self.helper(..)`,
    /// `Self::helper(..)`.
    pub fn local_fn(&self, name: &str) -> Option<&FnDef<'a>> {
        self.fns.get(name).and_then(Option::as_ref)
    }

    /// The first URL-like string among the tokens: a literal, a `const`, a format
    /// string naming a `const` (`"{BASE}/charge"`), or the initializer of a `let` of
    /// the enclosing function that the tokens read.
    pub fn target_in(&self, tokens: proc_macro2::TokenStream, lets: &Lets) -> Option<String> {
        let mut finder = TargetFinder::new(self, lets);
        finder.tokens(tokens);
        finder.found
    }

    /// [`Self::target_in`] for syntax (a loop's condition and body) without turning it
    /// into tokens first: the same identifiers and string literals, met in the same order.
    pub fn target_in_parts(&self, parts: &[delay::Part<'_>], lets: &Lets) -> Option<String> {
        let mut finder = TargetFinder::new(self, lets);
        for part in parts {
            match part {
                delay::Part::Expr(x) => finder.visit_expr(x),
                delay::Part::Block(b) => finder.visit_block(b),
            }
        }
        finder.found
    }

    /// A URL literal, or a format string whose `{NAME}` is a URL `const`.
    fn url_in_literal(&self, text: &str) -> Option<String> {
        if looks_like_url(text) {
            return Some(text.to_string());
        }
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after.find('}')?;
            let inner = &after[..close];
            let name = inner.split(':').next().unwrap_or("");
            if let Some(v) = self.consts.get(name).filter(|v| looks_like_url(v)) {
                return Some(text.replacen(&format!("{{{inner}}}"), v, 1));
            }
            rest = &after[close + 1..];
        }
        None
    }
}

/// Where a block starts and ends, braces included, as `(line, column)`.
fn braces_of(block: &syn::Block) -> (words::At, words::At) {
    let braces = block.brace_token.span.join();
    let (start, end) = (braces.start(), braces.end());
    ((start.line, start.column), (end.line, end.column))
}

/// `let` initializers of a function by name (the first binding of each name).
pub(crate) type Lets = HashMap<String, syn::Expr>;

/// The `let`s of a block (closures and nested blocks included, items not).
pub(crate) fn lets_of(block: &syn::Block) -> Lets {
    let mut lets = Lets::new();
    // A macro body without a `let` holds none: not re-parsed.
    let options = walk::Options {
        macro_must_hold: Some(&|i| i == "let"),
        ..walk::Options::default()
    };
    walk::walk_block(block, options, &mut |seen| {
        if let walk::Seen::Local(l) = seen {
            if let (Some(name), Some(init)) = (delay::pat_name(&l.pat), &l.init) {
                lets.entry(name).or_insert_with(|| (*init.expr).clone());
            }
        }
        true
    });
    lets
}

use syn::visit::Visit;

/// Looks for the first URL named in code, in text order: a URL string literal (or a
/// format string over a URL `const`), a `const` holding one, or a `let` whose value
/// names one (followed once per name).
struct TargetFinder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    lets: &'c Lets,
    followed: Vec<String>,
    depth: usize,
    found: Option<String>,
}

impl<'c, 'a> TargetFinder<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>, lets: &'c Lets) -> Self {
        TargetFinder {
            ctx,
            lets,
            followed: Vec::new(),
            depth: 0,
            found: None,
        }
    }

    fn ident(&mut self, i: &proc_macro2::Ident) {
        if self.found.is_some() {
            return;
        }
        let name = i.to_string();
        if let Some(v) = self.ctx.consts.get(&name) {
            if looks_like_url(v) {
                self.found = Some(v.clone());
            }
        } else if let Some(init) = self.lets.get(&name) {
            if !self.followed.contains(&name) && self.depth < MAX_DEPTH {
                self.followed.push(name);
                self.depth += 1;
                self.visit_expr(init);
                self.depth -= 1;
            }
        }
    }

    fn string(&mut self, value: &str) {
        if self.found.is_none() {
            self.found = self.ctx.url_in_literal(value);
        }
    }

    /// Macro bodies and the token streams the crate extractor hands over.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut stack = vec![tokens.into_iter()];
        while let Some(iter) = stack.last_mut() {
            if self.found.is_some() {
                return;
            }
            let Some(tt) = iter.next() else {
                stack.pop();
                continue;
            };
            match tt {
                proc_macro2::TokenTree::Group(g) => {
                    if stack.len() + self.depth < MAX_DEPTH {
                        stack.push(g.stream().into_iter());
                    }
                }
                proc_macro2::TokenTree::Literal(l) => {
                    if let syn::Lit::Str(s) = syn::Lit::new(l) {
                        self.string(&s.value());
                    }
                }
                proc_macro2::TokenTree::Ident(i) => {
                    self.depth += stack.len();
                    self.ident(&i);
                    self.depth -= stack.len();
                }
                proc_macro2::TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for TargetFinder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.found.is_none() && self.depth < MAX_DEPTH {
            self.depth += 1;
            syn::visit::visit_expr(self, e);
            self.depth -= 1;
        }
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.ident(i);
    }
    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.string(&s.value());
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}

fn looks_like_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty() && !rest.is_empty() && !scheme.contains(' ')
    })
}

/// Test-only code: the front end's one mask.
pub(crate) use crate::extract::rust::front::test_code::is_test;
