//! Idempotency-key evidence in a function, closure or extractor impl.
//!
//! Collected per body without knowing yet whether the function is a handler: the
//! link step decides that and combines a handler's evidence with that of the types
//! it takes and the functions it calls.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

use super::catalog::{has, RoutesCatalog};
use super::sql::SqlWrite;

/// What a body shows about an idempotency key.
///
/// Every function of every file gets one (any function may turn out to be a handler
/// or a callee of one in another file), so an empty one allocates nothing and each
/// name list is a single allocation.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Evidence {
    /// A key header name appears as a string literal outside CORS configuration.
    pub reads_key: bool,
    /// SCREAMING_CASE constants used outside CORS configuration (resolved against
    /// the package's key-header constants when linking).
    pub consts: Names,
    /// Type names in the parameters (every path segment, generics included).
    pub types: Names,
    /// Names of the functions and methods called.
    pub calls: Names,
    /// The first storage call of an idempotency store.
    pub storage: Option<String>,
    /// Reads or destructures a key field (`body.idempotency_key`).
    pub key_field: bool,
    /// A parameter type the catalogue names as a key extractor.
    pub known_extractor: Option<String>,
    /// A catalogue idempotency layer named in the body or return type (a layer builder).
    pub layer: Option<String>,
    /// The first write evidence of the body (`call insert`, `sql insert into`): with
    /// none here or in its callees, a handler only reads.
    pub writes: Option<String>,
    /// The write calls a repeat may apply twice, as far as this body shows: neither in
    /// an upsert chain (`.on_conflict(..)`) nor a runner of this body's SQL text
    /// (`execute`). The link step follows each into the workspace.
    pub write_calls: Names,
    /// What the body's own writes do on a repeat ([`repeat`] flags).
    pub repeat: u8,
    /// The first identity generator the body calls (`get_uuid`): it makes a new record.
    pub new_id: Option<String>,
    /// `Type::f` of the calls through a type's path (`Cipher::new(..)`): the link step
    /// looks for the constructors that make a new identity among them.
    pub type_calls: Names,
}

/// Flags of [`Evidence::repeat`].
pub(crate) mod repeat {
    /// SQL text a repeat applies twice (an insert, a delete, `SET n = n + 1`).
    pub const SQL_PLAIN: u8 = 1;
    /// SQL text of an insert deduped on a key (`on conflict`).
    pub const SQL_UPSERT: u8 = 2;
    /// SQL text setting columns to given values.
    pub const SQL_SET: u8 = 4;
    /// An ORM upsert (`insert_into(t)..on_conflict(..)`).
    pub const ORM_UPSERT: u8 = 8;
    /// An ORM update setting given values (`update(t).set(col.eq(v))`).
    pub const ORM_SET: u8 = 16;
}

/// Identifiers as one text, each followed by `\n` (identifiers hold no newline), in
/// the order they were met and repeated as often: one allocation per list instead of
/// one per name, none when empty, and no sorting for the many functions nobody asks.
/// Readers are order-free: `any`, or [`Names::least`] where one name is picked.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Names(Box<str>);

impl Names {
    /// The names in the order met, repeats included.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        self.0.split_terminator('\n')
    }

    /// The least name (in `str` order) that satisfies `pred`: the first match of the
    /// sorted, deduplicated list.
    pub fn least(&self, mut pred: impl FnMut(&str) -> bool) -> Option<&str> {
        self.iter().filter(|n| pred(n)).min()
    }

    /// The names sorted and deduplicated, for a list whose order is kept.
    pub fn sorted(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.iter().collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Both lists in one.
    pub(crate) fn union(&self, other: &Names) -> Names {
        Names([&*self.0, &*other.0].concat().into_boxed_str())
    }
}

/// Identifiers written into one reusable text while a body is walked, so collecting
/// a name allocates nothing; [`NameBuf::take`] copies them into [`Names`].
#[derive(Debug, Default)]
pub(crate) struct NameBuf {
    /// The names, each followed by `\n`.
    text: String,
    /// Where the name pushed last starts.
    last: usize,
}

impl NameBuf {
    /// Appends an identifier (as `Display` prints it, like `to_string`) and returns its text.
    fn push_ident(&mut self, id: &proc_macro2::Ident) -> &str {
        self.last = self.text.len();
        let _ = write!(self.text, "{id}");
        let end = self.text.len();
        self.text.push('\n');
        &self.text[self.last..end]
    }

    /// Appends a name.
    fn push_str(&mut self, name: &str) {
        self.last = self.text.len();
        self.text.push_str(name);
        self.text.push('\n');
    }

    /// Forgets the name pushed last.
    fn pop(&mut self) {
        self.text.truncate(self.last);
    }

    /// Forgets every name pushed after the buffer was `mark` bytes long.
    fn truncate(&mut self, mark: usize) {
        self.text.truncate(mark);
        self.last = self.last.min(mark);
    }

    /// The names collected so far that satisfy `keep`; the buffer is left empty.
    fn take_where(&mut self, keep: impl Fn(&str) -> bool) -> Names {
        let mut kept = String::new();
        for n in self.text.split_terminator('\n').filter(|n| keep(n)) {
            kept.push_str(n);
            kept.push('\n');
        }
        self.text.clear();
        self.last = 0;
        Names(kept.into_boxed_str())
    }

    /// The names collected so far; the buffer is left empty (its capacity is kept for
    /// the next body).
    fn take(&mut self) -> Names {
        let out = Names(Box::from(self.text.as_str()));
        self.text.clear();
        self.last = 0;
        out
    }
}

/// Buffers one [`Collector`] fills; the summarizer keeps one for all the functions of
/// a file, so walking a body allocates only the lists it keeps.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    calls: NameBuf,
    consts: NameBuf,
    types: NameBuf,
    writes: NameBuf,
    type_calls: NameBuf,
    /// The text of the literal being looked at in a macro body.
    literal: String,
}

/// A SCREAMING_CASE identifier (a constant's name): more than one char, an uppercase
/// letter, and only uppercase letters, digits and `_`.
fn is_screaming(s: &str) -> bool {
    s.len() > 1
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Every path segment of a type, generics included.
fn collect_type_names(ty: &syn::Type, out: &mut NameBuf) {
    struct Types<'a>(&'a mut NameBuf);
    impl<'ast> Visit<'ast> for Types<'_> {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            self.0.push_ident(&seg.ident);
            visit::visit_path_segment(self, seg);
        }
    }
    Types(out).visit_type(ty);
}

impl Evidence {
    /// Evidence of a function: its parameter types and its body.
    pub fn of_fn(
        sig: &syn::Signature,
        body: &syn::Block,
        cat: &RoutesCatalog,
        scratch: &mut Scratch,
    ) -> Evidence {
        let mut c = Collector::new(cat, scratch);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                c.param_type(&pt.ty);
            }
        }
        c.visit_return_type(&sig.output);
        c.visit_block(body);
        c.finish()
    }

    /// Adds type names (an impl's associated types) to `types`.
    pub fn add_types(&mut self, ty: &syn::Type) {
        let mut buf = NameBuf::default();
        collect_type_names(ty, &mut buf);
        self.types = self.types.union(&buf.take());
    }

    /// Evidence of a closure handler or middleware.
    pub fn of_closure(closure: &syn::ExprClosure, cat: &RoutesCatalog) -> Evidence {
        let mut scratch = Scratch::default();
        let mut c = Collector::new(cat, &mut scratch);
        for input in &closure.inputs {
            if let syn::Pat::Type(pt) = input {
                c.param_type(&pt.ty);
            }
        }
        c.visit_expr(&closure.body);
        c.finish()
    }

    /// Evidence of an expression (a constant's value).
    pub fn of_expr(expr: &syn::Expr, cat: &RoutesCatalog, scratch: &mut Scratch) -> Evidence {
        let mut c = Collector::new(cat, scratch);
        c.visit_expr(expr);
        c.finish()
    }

    pub fn merge(&mut self, other: Evidence) {
        self.reads_key |= other.reads_key;
        self.key_field |= other.key_field;
        self.consts = self.consts.union(&other.consts);
        self.types = self.types.union(&other.types);
        self.calls = self.calls.union(&other.calls);
        self.storage = self.storage.take().or(other.storage);
        self.known_extractor = self.known_extractor.take().or(other.known_extractor);
        self.layer = self.layer.take().or(other.layer);
        self.writes = self.writes.take().or(other.writes);
        self.write_calls = self.write_calls.union(&other.write_calls);
        self.repeat |= other.repeat;
        self.new_id = self.new_id.take().or(other.new_id);
        self.type_calls = self.type_calls.union(&other.type_calls);
    }
}

/// [`Collector::chain`] flags.
const CHAIN_UPSERT: u8 = 1;
const CHAIN_INERT: u8 = 2;

struct Collector<'c> {
    cat: &'c RoutesCatalog,
    /// The lists under construction.
    names: &'c mut Scratch,
    /// Everything but the lists, which [`Collector::finish`] fills in.
    ev: Evidence,
    /// Method calls being walked in the current chain (0: outside any chain). The
    /// outermost call of a chain owns it; a closure or block starts afresh.
    chain_depth: u32,
    /// What the current chain holds: an upsert call (`.on_conflict(..)`), a type
    /// whose write-named methods write nothing (`FlashMessage::error(..).send()`).
    chain: u8,
    /// The writes of the current chain's arguments, added once the chain is judged.
    args: ArgWrites,
}

/// Writes met in the arguments of a method chain (see [`Collector::arguments`]).
#[derive(Default)]
struct ArgWrites {
    /// The write calls, each followed by `\n`.
    writes: String,
    /// The first write evidence.
    first: Option<String>,
}

impl<'c> Collector<'c> {
    fn new(cat: &'c RoutesCatalog, names: &'c mut Scratch) -> Self {
        Collector {
            cat,
            names,
            ev: Evidence::default(),
            chain_depth: 0,
            chain: 0,
            args: ArgWrites::default(),
        }
    }

    /// Walks the arguments of a method call of a chain, each a chain of its own, and
    /// sets their writes aside for [`ArgWrites`].
    fn arguments<'ast>(&mut self, args: &'ast Punctuated<syn::Expr, syn::Token![,]>)
    where
        Self: Visit<'ast>,
    {
        let saved = (self.chain_depth, std::mem::take(&mut self.chain));
        let outer = std::mem::take(&mut self.args);
        let first = self.ev.writes.take();
        let mark = self.names.writes.text.len();
        self.chain_depth = 0;
        for a in args {
            self.visit_expr(a);
        }
        (self.chain_depth, self.chain) = saved;
        let mut args_writes = outer;
        args_writes.writes.push_str(&self.names.writes.text[mark..]);
        self.names.writes.truncate(mark);
        args_writes.first = args_writes.first.or(self.ev.writes.take());
        self.ev.writes = first;
        self.args = args_writes;
    }

    fn finish(mut self) -> Evidence {
        self.ev.calls = self.names.calls.take();
        self.ev.consts = self.names.consts.take();
        self.ev.types = self.names.types.take();
        self.ev.type_calls = self.names.type_calls.take();
        // Where the body holds SQL write text or an ORM upsert or update, `execute`
        // and `commit` run it (`conn.execute(insert_into(t).values(v).on_conflict_do_nothing())`).
        let sql = self.ev.repeat != 0;
        let runners = &self.cat.writes.sql_runners;
        self.ev.write_calls = self.names.writes.take_where(|n| !(sql && has(runners, n)));
        self.names.literal.clear();
        self.ev.known_extractor = self
            .ev
            .types
            .least(|t| has(&self.cat.evidence.key_extractors, t))
            .map(str::to_string);
        self.ev
    }

    fn param_type(&mut self, ty: &syn::Type) {
        collect_type_names(ty, &mut self.names.types);
    }

    /// Records the type or module of a `Type::f(..)` call (`Router` of `Router::new()`)
    /// among the calls; the first storage call is kept by name. No write: `store::get(..)`
    /// names a module, not a call of `store`.
    fn qualifier(&mut self, id: &proc_macro2::Ident) {
        let name = self.names.calls.push_ident(id);
        if self.ev.storage.is_none() && has(&self.cat.evidence.storage_calls, name) {
            self.ev.storage = Some(name.to_string());
        }
        if self.chain_depth > 0 && has(&self.cat.writes.not_writes, name) {
            self.chain |= CHAIN_INERT;
        }
    }

    /// Records the write evidence of the call just pushed to `calls` (its name is the
    /// last `len` bytes there): the first write, a write call to follow, an upsert.
    fn write_call(&mut self, len: usize) {
        let names = &mut *self.names;
        let text = &names.calls.text;
        let name = &text[text.len() - 1 - len..text.len() - 1];
        let upsert = has(&self.cat.writes.upsert_calls, name);
        if self.chain_depth > 0 {
            if upsert {
                self.chain |= CHAIN_UPSERT;
            }
            if has(&self.cat.writes.not_writes, name) {
                self.chain |= CHAIN_INERT;
            }
        }
        if !self.cat.is_write_call(name) || has(&self.cat.writes.not_writes, name) {
            return;
        }
        if self.ev.writes.is_none() {
            self.ev.writes = Some(format!("call {name}"));
        }
        if upsert {
            self.ev.repeat |= repeat::ORM_UPSERT;
        } else {
            names.writes.push_str(name);
        }
    }

    /// Records a call unless it is a CORS configuration call (`allow_headers(..)`),
    /// whose arguments name the key without checking it: false for those, which the
    /// caller then does not walk. With `ident_too`, the identifier also gets
    /// [`Collector::ident`]'s checks, on the same printed text.
    fn called(&mut self, id: &proc_macro2::Ident, ident_too: bool) -> bool {
        let name = self.names.calls.push_ident(id);
        // The printed text equals a catalogue name exactly when the identifier does
        // (`r#x` prints as `r#x`, and `Ident == "r#x"` compares the same way).
        if has(&self.cat.cors.methods, name) {
            self.names.calls.pop();
            return false;
        }
        if self.ev.storage.is_none() && has(&self.cat.evidence.storage_calls, name) {
            self.ev.storage = Some(name.to_string());
        }
        let len = name.len();
        self.write_call(len);
        let name = {
            let text = &self.names.calls.text;
            &text[text.len() - 1 - len..text.len() - 1]
        };
        if ident_too {
            if has(&self.cat.evidence.key_fields, name) {
                self.ev.key_field = true;
            }
            if is_screaming(name) {
                self.names.consts.push_str(name);
            }
        }
        true
    }

    /// A call through a path (`Cipher::new(..)`, `get_uuid()`): an identity
    /// generator, or a function of a type the link step may find a constructor in.
    fn path_call(&mut self, qualifier: Option<&proc_macro2::Ident>, name: &proc_macro2::Ident) {
        let mut text = std::mem::take(&mut self.names.literal);
        text.clear();
        if let Some(q) = qualifier {
            let _ = write!(text, "{q}::");
        }
        let split = text.len();
        let _ = write!(text, "{name}");
        if self.ev.new_id.is_none() {
            let q = (split > 0).then(|| &text[..split - 2]);
            if let Some(id) = self.cat.new_id(q, &text[split..]) {
                self.ev.new_id = Some(id.to_string());
            }
        }
        if text.starts_with(|c: char| c.is_ascii_uppercase()) && split > 0 {
            self.names.type_calls.push_str(&text);
        }
        self.names.literal = text;
    }

    fn literal(&mut self, lit: &str) {
        if self.cat.is_key_header(lit) {
            self.ev.reads_key = true;
        }
        self.sql(lit);
    }

    /// Write evidence of a string literal: SQL write text and what a repeat does.
    fn sql(&mut self, lit: &str) {
        if let Some((q, kind)) = self.cat.write_sql(lit) {
            if self.ev.writes.is_none() {
                self.ev.writes = Some(format!("sql {q}"));
            }
            self.ev.repeat |= match kind {
                SqlWrite::Plain => repeat::SQL_PLAIN,
                SqlWrite::Upsert => repeat::SQL_UPSERT,
                SqlWrite::Set => repeat::SQL_SET,
            };
        }
    }

    /// Checks an identifier for a key field and keeps it if it names a constant.
    fn ident(&mut self, id: &proc_macro2::Ident) {
        if self.cat.evidence.key_fields.iter().any(|k| id == k) {
            self.ev.key_field = true;
        }
        if !is_screaming(self.names.consts.push_ident(id)) {
            self.names.consts.pop();
        }
    }

    /// A literal of a macro body: a key header when it is a plain string naming one.
    fn token_literal(&mut self, l: &proc_macro2::Literal) {
        let mut text = std::mem::take(&mut self.names.literal);
        text.clear();
        let _ = write!(text, "{l}");
        if let Some(inner) = text.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            self.literal(inner);
        } else if let Some(raw) = text.strip_prefix('r') {
            // `r#"INSERT .."#` in a `query!` body: only its SQL matters.
            let inner = raw.trim_matches('#');
            if let Some(inner) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                self.sql(inner);
            }
        }
        self.names.literal = text;
    }

    /// Macro bodies stay token streams in `syn`: scan them for key literals,
    /// constants, key fields and calls (`name(` and `.name(`).
    fn tokens(&mut self, ts: TokenStream, depth: usize) {
        if depth > 64 {
            return;
        }
        let mut tts = ts.into_iter().peekable();
        while let Some(tt) = tts.next() {
            match &tt {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    // A block in a macro body (vaultwarden's `db_run! { conn: sqlite {
                    // .. } postgresql { .. } }`): walked as code, so its method chains
                    // are judged like any others (an upsert chain, an absolute update).
                    match syn::Block::parse_within.parse2(g.stream()) {
                        Ok(stmts) => {
                            let saved = (self.chain_depth, std::mem::take(&mut self.chain));
                            self.chain_depth = 0;
                            for st in &stmts {
                                self.visit_stmt(st);
                            }
                            (self.chain_depth, self.chain) = saved;
                        }
                        Err(_) => self.tokens(g.stream(), depth + 1),
                    }
                }
                TokenTree::Group(g) => self.tokens(g.stream(), depth + 1),
                TokenTree::Literal(l) => self.token_literal(l),
                TokenTree::Ident(id) => {
                    let called = matches!(tts.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                    if !called {
                        self.ident(id);
                    } else if !self.called(id, true) {
                        // A CORS call: its arguments are skipped too.
                        tts.next();
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let outermost = self.chain_depth == 0;
        let mark = self.names.writes.text.len();
        let wrote = self.ev.writes.is_some();
        self.chain_depth += 1;
        let walk = self.called(&m.method, false);
        self.visit_expr(&m.receiver);
        if walk {
            // The arguments are expressions of their own, not links of this chain:
            // `rt.block_on(async { db.block_user(id) })` writes although `block_on`
            // makes its chain inert. Their writes wait until the chain is judged.
            // (A CORS header list, not walked, names the key without checking it.)
            self.arguments(&m.args);
        }
        self.chain_depth -= 1;
        if !outermost {
            return;
        }
        let chain = std::mem::take(&mut self.chain);
        if chain & CHAIN_INERT != 0 {
            // `FlashMessage::error(..).send()`: a cookie, no write.
            self.names.writes.truncate(mark);
            if !wrote {
                self.ev.writes = None;
            }
        } else if self.names.writes.text.len() > mark
            && super::orm::absolute_set(m, self.cat) == Some(true)
        {
            // `diesel::update(t).set(col.eq(v)).execute(c)`: sets given values.
            self.ev.repeat |= repeat::ORM_SET;
            self.names.writes.truncate(mark);
        } else if chain & CHAIN_UPSERT != 0 {
            // `insert_into(t).values(v).on_conflict(id).do_nothing().execute(c)`: the
            // chain's writes are one upsert.
            if self.names.writes.text.len() > mark {
                self.ev.repeat |= repeat::ORM_UPSERT;
            }
            self.names.writes.truncate(mark);
        }
        let args = std::mem::take(&mut self.args);
        self.names.writes.text.push_str(&args.writes);
        self.ev.writes = self.ev.writes.take().or(args.first);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let saved = (self.chain_depth, std::mem::take(&mut self.chain));
        self.chain_depth = 0;
        visit::visit_expr_closure(self, c);
        (self.chain_depth, self.chain) = saved;
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let saved = (self.chain_depth, std::mem::take(&mut self.chain));
        self.chain_depth = 0;
        visit::visit_block(self, b);
        (self.chain_depth, self.chain) = saved;
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = &p.path.segments;
            let Some(last) = segs.last() else {
                return visit::visit_expr_call(self, c);
            };
            if !self.called(&last.ident, true) {
                return;
            }
            // `Router::new()`, `rocket::build()`: the type or module too, so the link
            // step and the summarizer can tell a router constructor from any `new`.
            let qualifier = (segs.len() >= 2).then(|| &segs[segs.len() - 2].ident);
            if let Some(q) = qualifier {
                self.qualifier(q);
            }
            self.path_call(qualifier, &last.ident);
            // What `visit_expr_call` does, but the callee's path is walked without
            // `visit_expr_path`, whose check of the last identifier was just made.
            for attr in &c.attrs {
                self.visit_attribute(attr);
            }
            visit::visit_expr_path(self, p);
            for arg in &c.args {
                self.visit_expr(arg);
            }
            return;
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.literal(&s.value());
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            self.ident(&last.ident);
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
        if self.ev.layer.is_none() {
            if let Some(l) = self.cat.evidence.layers.iter().find(|l| seg.ident == l) {
                self.ev.layer = Some(l.clone());
            }
        }
        visit::visit_path_segment(self, seg);
    }

    fn visit_member(&mut self, m: &'ast syn::Member) {
        if let syn::Member::Named(id) = m {
            if self.cat.evidence.key_fields.iter().any(|k| id == k) {
                self.ev.key_field = true;
            }
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone(), 0);
    }

    // A nested function is a function of its own, not part of this body; a constant
    // declared here (`const KEY: &str = "Idempotency-Key";`) is part of it.
    fn visit_item(&mut self, item: &'ast syn::Item) {
        match item {
            syn::Item::Const(c) => self.visit_expr(&c.expr),
            syn::Item::Static(s) => self.visit_expr(&s.expr),
            _ => {}
        }
    }
}

/// The string literals of a token stream, in order (attribute and macro arguments).
pub(crate) fn string_literals(ts: TokenStream) -> Vec<String> {
    ts.into_iter()
        .filter_map(|tt| match tt {
            TokenTree::Literal(l) => syn::parse_str::<syn::LitStr>(&l.to_string())
                .ok()
                .map(|s| s.value()),
            _ => None,
        })
        .collect()
}
