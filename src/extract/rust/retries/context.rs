//! The retry analysis's view of one file: the front end's `use` resolver, functions
//! and string constants by name, function bodies and their `let`s, and the word scan
//! that lets most bodies go unwalked.

use std::collections::HashMap;

use proc_macro2::LineColumn;
use rustc_hash::FxHashMap;
use syn::visit::Visit;

use super::target::{looks_like_url, TargetFinder};
use super::{catalog, delay, walk, words, Positions, RetryCatalog};
use crate::extract::rust::front::imports::Imports;
use crate::extract::rust::front::index::{Decl, Index};
use crate::extract::rust::front::items::Items;

/// A function of the file, by name: free functions and methods alike.
pub(crate) struct FnDef<'a> {
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
}

/// What the extractors share about one file.
pub(crate) struct Ctx<'a> {
    pub pos: Positions<'a>,
    pub catalog: &'a RetryCatalog,
    /// The file's `use`s and its package's `Cargo.toml` renames (the front end's).
    pub(super) imports: &'a Imports<'a>,
    /// The first segments of the file's imported paths (bindings, globs, renamed
    /// dependencies), renames undone.
    imported_roots: Vec<String>,
    /// Functions of the file by name; `None` when the name is defined twice.
    pub fns: FxHashMap<String, Option<FnDef<'a>>>,
    /// `const`/`static` string values by name.
    pub consts: HashMap<String, String>,
    /// `const`/`static` initializers (how long a named wait is), in the order read: a
    /// lookup takes the last of a name. Rarely asked, so not indexed by name.
    pub const_exprs: Vec<(&'a syn::Ident, &'a syn::Expr)>,
    /// Named fields of the file's structs and their types (the first of a name): what
    /// `self.http` holds, for [`super::reach`].
    pub field_types: FxHashMap<String, &'a syn::Type>,
    /// Function bodies of the file from brace to brace, and their `let`s once computed.
    pub(super) fn_blocks: Vec<(LineColumn, LineColumn, &'a syn::Block, &'a syn::Signature)>,
    pub(super) lets_cache: std::cell::RefCell<HashMap<usize, std::rc::Rc<Lets>>>,
    /// Where the words a loop or a strategy needs appear, to skip bodies without them.
    pub(super) words: words::Words,
    /// Every segment and every first segment of the catalogue's paths.
    pub(super) segments: &'a std::collections::HashSet<String>,
    pub(super) roots: &'a std::collections::HashSet<String>,
}

impl<'a> Ctx<'a> {
    /// The file's context; paths resolve through `imports` (so in a package whose
    /// `Cargo.toml` is known, a dependency renamed there,
    /// `backoff2 = { package = "tokio-retry" }`, names its package in code).
    /// `crates`: the file may use a retry crate ([`RetryCatalog::may_be_used_in`]).
    ///
    /// `None` when the file can hold no retry: no loop keyword in its text and no
    /// crate named. Every loop fact is a loop expression, whose keyword is in the
    /// text (a macro body's too), so no walk could find one; nothing is built then.
    pub fn new(
        index: &Index<'a>,
        imports: &'a Imports<'a>,
        pos: Positions<'a>,
        catalog: &'a RetryCatalog,
        crates: bool,
        hits: Option<&[(usize, usize)]>,
    ) -> Option<Self> {
        let text = pos.text();
        let mut ctx = Ctx {
            pos,
            catalog,
            imports,
            imported_roots: Vec::new(),
            fns: FxHashMap::default(),
            consts: HashMap::new(),
            const_exprs: Vec::new(),
            field_types: FxHashMap::default(),
            words: words::Words::empty(),
            fn_blocks: Vec::new(),
            lets_cache: Default::default(),
            segments: &catalog.path_index().segments,
            roots: &catalog.path_index().roots,
        };
        // Without a crate no body is asked for a strategy: the loop keywords alone,
        // from the words the depth scan noted, else found by a cheaper search than a
        // look at every word.
        ctx.words = match (crates, hits) {
            (true, _) => ctx.scan_words(text, hits),
            (false, Some(hits)) => {
                let strategy_words = &catalog.path_index().strategy_words;
                words::Words::from_hits(text, hits, strategy_words, false)
            }
            (false, None) => words::Words::scan_loops(text),
        };
        if !crates && !ctx.words.any_loop() {
            return None;
        }
        ctx.imported_roots = imports
            .bindings()
            .map(|(_, path)| path)
            .chain(imports.globs())
            .filter_map(|p| p.into_iter().next())
            .collect();
        ctx.imported_roots.sort_unstable();
        ctx.imported_roots.dedup();
        // Items of the file and of inline modules (test modules too), read last to
        // first as this analysis always has: of two `const`s of one name, the first
        // written wins.
        for (place, decl) in index.decls.iter().rev() {
            match *decl {
                Decl::Fn(f) if place.at_item_level() => ctx.add_fn(&f.sig, &f.block),
                Decl::Method(f) if place.at_item_level() => ctx.add_fn(&f.sig, &f.block),
                Decl::Const(name, expr) if place.at_item_level() => ctx.add_const(name, expr),
                Decl::Struct(st) => {
                    for field in st.fields.iter() {
                        if let Some(name) = &field.ident {
                            ctx.field_types.insert(name.to_string(), &field.ty);
                        }
                    }
                }
                _ => {}
            }
        }
        Some(ctx)
    }

    /// The word scan, with the `use` names and globs that can lead to a strategy. The
    /// words the depth scan noted (`hits`) serve when no glob can lead to one and each
    /// such `use` name is a needle already (the usual case: `use backoff::ExponentialBackoff`);
    /// a renamed import or a glob takes the scan of the text.
    pub(super) fn scan_words(&self, text: &str, hits: Option<&[(usize, usize)]>) -> words::Words {
        let strategy_words = &self.catalog.path_index().strategy_words;
        let aliases = || {
            self.imports
                .bindings()
                .filter(|(_, full)| strategy_words.compatible_with_a_strategy(full))
                .map(|(name, _)| name)
        };
        let open = self
            .imports
            .globs()
            .any(|g| strategy_words.compatible_with_a_strategy(&g));
        match hits {
            Some(hits) if !open && aliases().all(|a| strategy_words.is_needle(a)) => {
                words::Words::from_hits(text, hits, strategy_words, true)
            }
            _ => words::Words::scan(text, strategy_words, aliases(), open),
        }
    }

    /// Whether a function body's text may hold a loop (its keyword).
    pub fn may_loop(&self, block: &syn::Block) -> bool {
        if !self.words.any_loop() {
            return false;
        }
        let (start, end) = self.braces(block);
        self.words.may_loop(start, end)
    }

    /// Whether a function body's text may name a catalogue strategy.
    pub fn may_name_strategy(&self, block: &syn::Block) -> bool {
        let (start, end) = self.braces(block);
        self.words.may_name_strategy(start, end)
    }

    /// Where a block starts and ends in the text, braces included, as byte offsets.
    fn braces(&self, block: &syn::Block) -> (words::At, words::At) {
        let braces = block.brace_token.span.join();
        (
            self.pos.offset(braces.start()),
            self.pos.offset(braces.end()),
        )
    }

    /// Whether a macro body naming `ident` may build a strategy: a catalogue segment or
    /// a `use` name (the macro bodies the crate walk re-parses).
    pub fn is_crate_ident(&self, ident: &proc_macro2::Ident) -> bool {
        let name = ident.to_string();
        self.segments.contains(&name) || self.imports.binds(&name)
    }

    /// The `let`s of the innermost function of the file around position `at`.
    /// Positions compare as `(line, column)`, in the order of their byte offsets, so no
    /// offset is computed; the innermost body is the one that starts last (bodies nest).
    pub fn fn_lets(&self, at: LineColumn) -> std::rc::Rc<Lets> {
        let Some(i) = self.innermost_fn(at) else {
            return Default::default();
        };
        self.lets_cache
            .borrow_mut()
            .entry(i)
            .or_insert_with(|| std::rc::Rc::new(lets_of(self.fn_blocks[i].2)))
            .clone()
    }

    /// The index in `fn_blocks` of the innermost function body around `at`.
    fn innermost_fn(&self, at: LineColumn) -> Option<usize> {
        let key = |lc: LineColumn| (lc.line, lc.column);
        self.fn_blocks
            .iter()
            .enumerate()
            .filter(|(_, (s, e, _, _))| key(*s) <= key(at) && key(at) < key(*e))
            .max_by_key(|(i, (s, _, _, _))| (key(*s), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    }

    /// The signature of the innermost function of the file around position `at`.
    pub fn enclosing_sig(&self, at: LineColumn) -> Option<&'a syn::Signature> {
        self.innermost_fn(at).map(|i| self.fn_blocks[i].3)
    }

    pub(super) fn add_fn(&mut self, sig: &'a syn::Signature, block: &'a syn::Block) {
        let braces = block.brace_token.span.join();
        self.fn_blocks
            .push((braces.start(), braces.end(), block, sig));
        self.fns
            .entry(sig.ident.to_string())
            .and_modify(|e| *e = None)
            .or_insert(Some(FnDef { sig, block }));
    }

    pub(super) fn add_const(&mut self, name: &'a syn::Ident, expr: &'a syn::Expr) {
        self.const_exprs.push((name, expr));
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = expr
        {
            self.consts.insert(name.to_string(), s.value());
        }
    }

    /// The initializer of the file's `const` or `static` `name` (the first written).
    pub fn const_expr(&self, name: &str) -> Option<&'a syn::Expr> {
        self.const_exprs
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
    }

    /// The full path a path expression names, through `use` declarations. A name the
    /// file does not import is looked up in glob imports, then matched by its last
    /// segments against the catalogue, for crates the file imports from (and sleeps).
    pub fn resolve(&self, path: &syn::Path) -> String {
        self.resolve_segments(&crate::extract::rust::front::paths::segments(path))
    }

    /// Whether `path` can resolve to a path the catalogue names (or below one): only
    /// when its first segment is a `use` alias or some segment is a catalogue segment
    /// (otherwise [`Ctx::resolve`] returns it as written, and every catalogue path is
    /// made of catalogue segments). A cheap test before resolving, without allocating
    /// per segment.
    pub fn may_name_catalogued(&self, path: &syn::Path) -> bool {
        use std::fmt::Write;
        let mut name = String::new();
        path.segments.items().enumerate().any(|(i, s)| {
            name.clear();
            let _ = write!(name, "{}", s.ident);
            (i == 0 && self.imports.binds(&name)) || self.segments.contains(&name)
        })
    }

    pub fn resolve_segments(&self, segs: &[String]) -> String {
        let Some(first) = segs.first() else {
            return String::new();
        };
        if self.imports.binds(first) {
            return self.imports.path(segs, false).join("::");
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
        for glob in self.imports.globs() {
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
            self.imported_roots.iter().any(|r| r == root)
        };
        // A crate's names only when the file imports something from that crate; a
        // sleep function always (a call named `sleep` that is not local sleeps).
        candidates
            .into_iter()
            .find(|c| imported_root(c) || self.catalog.is_sleep(c))
            .unwrap_or(written)
    }

    pub(super) fn catalog_knows(&self, full: &str) -> bool {
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
    pub(super) fn url_in_literal(&self, text: &str) -> Option<String> {
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
