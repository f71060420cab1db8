//! Idempotency-key evidence in a function, closure or extractor impl.
//!
//! Collected per body without knowing yet whether the function is a handler: the
//! link step decides that and combines a handler's evidence with that of the types
//! it takes and the functions it calls.

use syn::visit::{self, Visit};

use super::catalog::RoutesCatalog;
use super::types;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::items::Items;

mod active;
mod answer;
mod args;
mod bindings;
mod body;
mod branch;
mod calls;
mod chain;
mod claim;
mod diff;
mod ensure;
mod guard;
mod local_uses;
mod module_refusal;
mod names;
mod outbound;
mod predicate;
mod record;
mod refuse;
mod scratch;
mod tokens;
mod violation;

pub(crate) use active::model_fns;
pub(crate) use bindings::file_state;
pub(crate) use branch::conditional;
pub(crate) use names::{called_name, NameBuf, Names, ARGS_UNKNOWN, READ_HELPER};
use names::{collect_type_names, is_screaming};
pub(crate) use record::Evidence;
use record::TARGET;
pub(crate) use scratch::Scratch;
pub(crate) use tokens::{may_read_key, string_literals};

/// Flags of [`Evidence::repeat`].
pub(crate) mod repeat;

/// [`Collector::chain`] flags.
const CHAIN_UPSERT: u8 = 1;
const CHAIN_INERT: u8 = 2;
/// The chain builds a read request (`client.get(url)`, `[writes] read-requests`).
const CHAIN_READ: u8 = 4;
/// The chain sends a request built before (`.send()` without arguments).
const CHAIN_SEND: u8 = 8;
/// The chain's request names a delete path (`POST {relay}/push/delete/{id}`).
const CHAIN_DELETE: u8 = 16;
/// The chain's request goes to an OAuth token path (`{identity}/connect/token`).
const CHAIN_TOKEN: u8 = 32;

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
    /// Types whose record the code being walked makes only when a lookup found none
    /// (see [`Collector::once`]).
    made_once: Vec<String>,
    /// The code walked under the innermost of `made_once` makes a record of that type.
    made_here: bool,
    /// Fields counted up or down (`send.access_count += 1`), with their variable:
    /// [`Collector::finish`] keeps one whose variable a write call of the body saves.
    counted: Vec<(String, String)>,
    /// Variables bound from a lookup of the function's own type (see
    /// [`Collector::own_lookup`]).
    lookup_vars: Vec<String>,
    /// A delete chain filters on fields of `self` other than its id (see [`repeat::REPLACES`]).
    self_delete: bool,
    /// Types whose found record the body refuses with an error, before any write
    /// (see [`Collector::refusal_of_found`]).
    refused: Vec<String>,
    /// A branch answered an error saying the record exists, before any write (see
    /// [`Collector::walk_if`]): the body refuses a repeat when it writes after it.
    refused_in_words: bool,
    /// Lookups through a module's function (module, function) whose found record the
    /// body refuses, before any write (see `module_refusal.rs`).
    refused_modules: Vec<(String, String)>,
    /// Variables bound to a module's lookup (variable, lookup, and for a `bool` bound
    /// to a question of it whether it says "found"): see `module_refusal.rs`.
    module_lookups: Vec<(String, (String, String), Option<bool>)>,
    /// A variable bound to the body's last write (variable, writes before, after):
    /// see [`Collector::bind_write`].
    bound_write: Option<(String, usize, usize)>,
    /// Variables holding a record found before any write, the body refusing when
    /// there is none (`let Some(a) = T::find_by_id(..) else { err!(..) }`).
    required: Vec<String>,
    /// Such a record is deleted: the body takes a one-time state (see [`Collector::takes`]).
    taken: bool,
    /// Checks of a record's state that refuse before any write (see [`refuse::StateCheck`]).
    state_checks: Vec<refuse::StateCheck>,
    /// The variable whose checked field is then set to a state the check refuses: a
    /// transition, which refuses a repeat once the record is saved.
    transition_seen: Option<String>,
    /// The assignments (by address) that are statements of the function body itself.
    top_assigns: Vec<usize>,
    /// Variables counting the rows an update filtered on the change made (see
    /// [`Collector::bind_change_count`]).
    change_counts: Vec<String>,
    /// The body names `grant_type`: its request to a token path is an OAuth token request.
    grant_type: bool,
    /// The parameters of a function without `self`, in order (see `branch.rs`).
    params: Vec<String>,
    /// The `None` arm of a `match` over the parameter at this position is walked.
    none_param: Option<u8>,
    /// Variables bound to `None` (`let attachment = None;`).
    none_vars: Vec<String>,
    /// The initializer of a `let` that is a macro (`let key = format!(..)`) is walked:
    /// an identity made in its text is kept under a name, to be a key or a record's id.
    /// One formatted straight into an argument (a mail's `Message-ID`:
    /// `.message_id(format!("<{}@{domain}>", get_uuid()))`) is not looked for.
    bound_macro: bool,
    /// Scanning the groups of a macro body's brace group that did not parse as code
    /// (a template DSL's markup: yew's `html! { <div onclick={..}> .. }`): their own
    /// brace groups are scanned as tokens too, not parsed again one level down each
    /// (a copy and a failed parse per level made such bodies quadratic in depth).
    in_markup: bool,
    /// The arguments of a fallback (`id.unwrap_or_else(|| Uuid::new_v4())`) are walked:
    /// an identity made there stands in for one the caller or a lookup did not give.
    in_fallback: bool,
    /// Fields a lookup's found arm refuses filled, by variable (see `claim.rs`).
    claims: Vec<(String, String)>,
    /// The variable whose claimed field the body fills.
    claim_seen: Option<String>,
    /// The calls (by address) whose answer is a condition (see `predicate.rs`).
    asked: Vec<usize>,
    /// The call being recorded is one of `asked`: its name is no write.
    asking: bool,
    /// sea-orm models and their insert (see `active.rs`).
    sea: active::Inserts,
}

/// Writes met in the arguments of a method chain (see [`Collector::arguments`]).
#[derive(Default)]
struct ArgWrites {
    /// The write calls, each followed by `\n`.
    writes: String,
    /// The first write evidence.
    first: Option<Box<str>>,
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
            made_once: Vec::new(),
            made_here: false,
            counted: Vec::new(),
            lookup_vars: Vec::new(),
            self_delete: false,
            refused: Vec::new(),
            refused_in_words: false,
            refused_modules: Vec::new(),
            module_lookups: Vec::new(),
            bound_write: None,
            required: Vec::new(),
            taken: false,
            state_checks: Vec::new(),
            transition_seen: None,
            top_assigns: Vec::new(),
            change_counts: Vec::new(),
            grant_type: false,
            params: Vec::new(),
            none_param: None,
            none_vars: Vec::new(),
            in_fallback: false,
            bound_macro: false,
            in_markup: false,
            claims: Vec::new(),
            claim_seen: None,
            asked: Vec::new(),
            asking: false,
            sea: active::Inserts::default(),
        }
    }
}

/// Methods whose arguments make a value only when the receiver has none
/// (`req.id.unwrap_or_else(|| Uuid::new_v4())`, `found.map(|r| r.id).unwrap_or_else(..)`):
/// an identity made there is a fallback for one the request or a lookup gives, so a
/// repeat bringing the same id, or finding the record, makes none.
const FALLBACKS: &[&str] = &[
    "unwrap_or_else",
    "unwrap_or",
    "or_else",
    "get_or_insert_with",
];

impl<'ast> Visit<'ast> for Collector<'_> {
    /// A link of a method chain (`.insert(..)` of `diesel::insert_into(t).values(v)
    /// .insert(..)`): its own evidence ([`Collector::chain_link`]), then its receiver
    /// and arguments; the outermost link judges the whole chain's writes
    /// ([`Collector::judge_chain`]).
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let outermost = self.chain_depth == 0;
        let mark = self.names.writes.text.len();
        let wrote = self.ev.writes.is_some();
        let pending = if outermost { self.take_insert() } else { None };
        self.chain_depth += 1;
        self.asking = self.is_asked(std::ptr::from_ref(m) as usize);
        let walk = self.chain_link(m, mark, !wrote);
        self.model_insert(m);
        self.asking = false;
        self.visit_expr(&m.receiver);
        if walk {
            // The arguments are expressions of their own, not links of this chain:
            // `rt.block_on(async { db.block_user(id) })` writes although `block_on`
            // makes its chain inert. Their writes wait until the chain is judged.
            // (A CORS header list, not walked, names the key without checking it.)
            // `T::find(..).unwrap_or_else(|| T::new(..))` makes a `T` once.
            let found = with_ident_str(&m.method, |n| n.starts_with("unwrap_or"))
                .then(|| refuse::lookup_type(&m.receiver, &self.cat.writes.lookups))
                .flatten();
            let saved = self.in_fallback;
            self.in_fallback |= with_ident_str(&m.method, |n| FALLBACKS.contains(&n));
            self.once(found.as_ref(), |c| c.arguments(&m.args));
            self.in_fallback = saved;
        }
        self.chain_depth -= 1;
        if outermost {
            self.judge_chain(m, mark, wrote);
            self.chain_insert(wrote, pending);
        }
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.transition(a);
        self.claim_assign(a);
        visit::visit_expr_assign(self, a);
        self.model_assign(a);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        use syn::BinOp::{AddAssign, SubAssign};
        self.ask_operands(b);
        if self.ev.counts.is_none() && matches!(b.op, AddAssign(_) | SubAssign(_)) {
            if let syn::Expr::Field(f) = &*b.left {
                if let (syn::Member::Named(id), Some(var)) = (&f.member, types::var(&f.base)) {
                    self.counted.push((var, id.to_string()));
                }
            }
        }
        visit::visit_expr_binary(self, b);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            let (before, made) = (self.names.writes.text.len(), self.sea.made);
            let saved = self.bound_macro;
            self.bound_macro = matches!(&*init.expr, syn::Expr::Macro(_));
            self.visit_expr(&init.expr);
            self.bound_macro = saved;
            self.bind_model(&l.pat, &init.expr, made);
            self.bind_write(&l.pat, &init.expr, before);
            self.bind_diff(&l.pat, &init.expr);
            if let Some((_, e)) = &init.diverge {
                self.visit_expr(e);
            }
            self.bind_pat(&l.pat, &init.expr, true);
            self.bind_change_count(&l.pat, &init.expr);
            self.bind_none(&l.pat, &init.expr);
            self.bind_lookup(&l.pat, &init.expr);
            self.bind_module_lookup(&l.pat, &init.expr);
            self.found_or_refused(&l.pat, init);
        }
        self.visit_pat(&l.pat);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        self.bind_pat(&l.pat, &l.expr, false);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.bind_pat(&f.pat, &f.expr, false);
        self.visit_block(&f.body);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.ask_bool_match(m);
        self.walk_match(m);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.ask(&i.cond);
        self.ev.replay_cache |= replays_from_cache(i);
        self.walk_if(i);
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.ask(&w.cond);
        visit::visit_expr_while(self, w);
    }

    fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
        if matches!(u.op, syn::UnOp::Not(_)) {
            self.ask(&u.expr);
        }
        visit::visit_expr_unary(self, u);
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
        let uses = self.block_uses(&b.stmts);
        for (i, st) in b.stmts.iter().enumerate() {
            self.visit_stmt(st);
            if self.returns_unchanged(st) {
                // `if updated == 0 { return Ok(()) }`: the rest runs once.
                self.writes_changed(|c| b.stmts[i + 1..].iter().for_each(|st| c.visit_stmt(st)));
                break;
            }
        }
        self.end_uses(uses);
        (self.chain_depth, self.chain) = saved;
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if c.args
            .iter()
            .any(|a| refuse::read_method(a, |v| self.cat.is_read_request(v)))
        {
            // `duo_api_request("GET", "/auth/v2/check", ..)`: a helper sending a read
            // request, not followed for writes. The call graph still sees the call
            // (`~name` among the function calls, which the routes link matches to no
            // function): the helper runs for this body.
            if let syn::Expr::Path(p) = &*c.func {
                if let Some(last) = p.path.segments.last() {
                    let read = format!("{READ_HELPER}{}", last.ident);
                    self.names.fn_calls.push_str(&read);
                }
            }
            for arg in c.args.items() {
                self.visit_expr(arg);
            }
            return;
        }
        self.delete_request(c.args.items());
        if let syn::Expr::Path(p) = &*c.func {
            let segs = &p.path.segments;
            let Some(last) = segs.last() else {
                return visit::visit_expr_call(self, c);
            };
            let (before, first) = (self.names.writes.text.len(), self.ev.writes.is_none());
            self.entity_insert(c);
            self.asking = self.is_asked(std::ptr::from_ref(c) as usize);
            let called = self.called(&last.ident, true, calls::arg_count(c.args.len()));
            self.asking = false;
            self.fills_model(c, before, first);
            self.inserts_diff(c, before);
            if !called {
                return;
            }
            // `Router::new()`, `rocket::build()`: the type or module too, so the link
            // step and the summarizer can tell a router constructor from any `new`.
            let qualifier = (segs.len() >= 2).then(|| &segs[segs.len() - 2].ident);
            if let Some(q) = qualifier {
                // `TwoFactorDuoContext::save(..)`, `Self::delete(..)`: that type's function.
                let ty = if q == "Self" {
                    self.type_of_name("self").map(str::to_string)
                } else {
                    let q = q.to_string();
                    q.starts_with(|c: char| c.is_ascii_uppercase()).then_some(q)
                };
                if let Some(ty) = ty {
                    self.retype_write(before, &ty, "::");
                    let written = self.names.writes.text[before..].trim_end();
                    if !written.is_empty() && self.cat.is_typed_set(written) {
                        // `File::create(path)`: the file at that path, made anew.
                        self.names.writes.truncate(before);
                        self.ev.repeat |= repeat::ORM_SET;
                    }
                    self.mail_send_through_trait(&last.ident, c.args.len(), before);
                } else {
                    self.module_named_write(q, &last.ident, before);
                    self.module_write(q, before);
                    self.keyed_function(&last.ident, c.args.len(), before);
                }
            }
            if let Some(q) = qualifier {
                self.qualifier(q);
            }
            if segs.len() == 1 {
                self.local_use_call(&last.ident, before);
            } else {
                self.module_path_call(segs);
            }
            self.path_call(qualifier, &last.ident);
            self.none_args(&last.ident, &c.args);
            // What `visit_expr_call` does, but the callee's path is walked without
            // `visit_expr_path`, whose check of the last identifier was just made.
            for attr in &c.attrs {
                self.visit_attribute(attr);
            }
            visit::visit_expr_path(self, p);
            for arg in c.args.items() {
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
                self.ev.layer = Some(l.as_str().into());
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
            syn::Item::Static(s) => {
                // `static SEEN: LazyLock<Mutex<HashSet<..>>>` in the body: process state.
                if let Some(ty) = self.annotated(&s.ty).filter(|t| self.cat.is_in_memory(t)) {
                    self.bind_ident(&s.ident, &ty);
                }
                self.visit_expr(&s.expr)
            }
            _ => {}
        }
    }
}

/// `if let Some(r) = <..>.cache.get(..)[.await] { .. return .. }`: a hit in a cache
/// (a receiver named like one) answers the request without doing its work again.
fn replays_from_cache(i: &syn::ExprIf) -> bool {
    let syn::Expr::Let(l) = &*i.cond else {
        return false;
    };
    let is_some = matches!(&*l.pat, syn::Pat::TupleStruct(t) if t.path.is_ident("Some"));
    let mut e = &*l.expr;
    loop {
        match e {
            syn::Expr::Await(a) => e = &a.base,
            syn::Expr::Try(t) => e = &t.expr,
            _ => break,
        }
    }
    let syn::Expr::MethodCall(m) = e else {
        return false;
    };
    let cache = match &*m.receiver {
        syn::Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if n.to_string().contains("cache"))
        }
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|n| n.to_string().contains("cache")),
        _ => false,
    };
    let returns = i
        .then_branch
        .stmts
        .iter()
        .any(|s| matches!(s, syn::Stmt::Expr(syn::Expr::Return(_), _)));
    is_some && cache && m.method == "get" && returns
}
