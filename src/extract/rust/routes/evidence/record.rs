//! The evidence record of one body: what the walk ([`super::Collector`]) found, kept
//! per function for the link step.

use syn::visit::Visit;

use super::{collect_type_names, refuse, types, Collector, NameBuf, Names, Scratch};
use crate::extract::rust::front::items::Items;
use crate::extract::rust::routes::catalog::RoutesCatalog;

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
    /// Names called as functions (`split(..)`, `util::split(..)`, in a macro body):
    /// the others in `calls` are methods (`.split(' ')`), which no free function is.
    pub fn_calls: Names,
    /// The first storage call of an idempotency store.
    pub storage: Option<Box<str>>,
    /// Reads or destructures a key field (`body.idempotency_key`).
    pub key_field: bool,
    /// Answers a repeat from a response cache before doing the work again (`if let
    /// Some(r) = state.cache.get(&key).await { return Ok(r) }`, cdk's NUT-19 replay
    /// cache keyed on the request): an idempotency store keyed on the request.
    #[serde(default)]
    pub replay_cache: bool,
    /// The function's OpenAPI attribute documents a 409 Conflict answer: its API says
    /// a request clashing with an existing record is refused (see
    /// `frameworks/attributes.rs`). Read of a handler only, never of a callee.
    pub documents_conflict: bool,
    /// A parameter type the catalogue names as a key extractor.
    pub known_extractor: Option<Box<str>>,
    /// A catalogue idempotency layer named in the body or return type (a layer builder).
    pub layer: Option<Box<str>>,
    /// The first write evidence of the body (`call insert`, `sql insert into`): with
    /// none here or in its callees, a handler only reads.
    pub writes: Option<Box<str>>,
    /// The write calls a repeat may apply twice, as far as this body shows: neither in
    /// an upsert chain (`.on_conflict(..)`) nor a runner of this body's SQL text
    /// (`execute`). The link step follows each into the workspace.
    pub write_calls: Names,
    /// What the body's own writes do on a repeat ([`super::repeat`] flags).
    pub repeat: u16,
    /// The first identity generator the body calls (`get_uuid`): it makes a new record.
    pub new_id: Option<Box<str>>,
    /// A field the body counts up or down (`send.access_count += 1`): saved, a repeat
    /// counts twice.
    pub counts: Option<Box<str>>,
    /// `Type::f` of the calls through a type's path (`Cipher::new(..)`) and of the
    /// methods called on a variable of known type (`cmd.spawn()`: `Command::spawn`):
    /// the link step looks for the constructors that make a new identity among them,
    /// and follows such a method into that type's only.
    pub type_calls: Names,
    /// The paths of the calls through a module's path, as written (`crate::db::get`,
    /// `super::save`, `cache::fill`): the link step resolves each through the file's
    /// imports to the one function it runs, rather than every function of its name.
    pub path_calls: Names,
    /// `f::m` of the methods called on a variable a free function `f` made (`let mut
    /// client = make_grpc_search_client(..).await?; client.cancel_query(req)`:
    /// `make_grpc_search_client::cancel_query`): the link step runs the method of the
    /// type `f` is declared to return, not every method `m` of the workspace (the
    /// gRPC server's `cancel_query` beside the generated client's).
    pub made_calls: Names,
    /// The argument count of each entry of `calls`, in its order ([`ARGS_UNKNOWN`]
    /// for a call in a macro's text or a type's name); empty when none is known. Rust
    /// has no optional parameters: the link step matches a call it resolves by name
    /// only to functions taking as many ([`Evidence::arg_counts`]).
    pub call_args: Box<[u8]>,
}

/// Separates the shown text of [`Evidence::writes`] from the table and columns of an
/// SQL insert that is the body's first write (`sql insert into\u{1f}users:username,email`):
/// the link step asks the package's migrations whether one is unique, which refuses a
/// repeat. Kept in that string, a function without such an insert pays no byte for it.
pub(super) const TARGET: char = '\u{1f}';

impl Evidence {
    /// What [`Evidence::writes`] shows (without an insert's target).
    pub(crate) fn writes_shown(&self) -> Option<&str> {
        self.writes
            .as_deref()
            .map(|w| w.split(TARGET).next().unwrap_or(w))
    }

    /// The `table:col,col` of an SQL insert that is the body's first write.
    pub(crate) fn insert_target(&self) -> Option<&str> {
        self.writes.as_deref()?.split_once(TARGET).map(|(_, t)| t)
    }

    /// Evidence of a function: its parameter types and its body.
    pub fn of_fn(
        sig: &syn::Signature,
        body: &syn::Block,
        owner: Option<&str>,
        cat: &RoutesCatalog,
        scratch: &mut Scratch,
    ) -> Evidence {
        let mut c = Collector::new(cat, scratch);
        if let Some(owner) = owner {
            c.bind("self", owner);
        }
        for input in sig.inputs.items() {
            if let syn::FnArg::Typed(pt) = input {
                if sig.receiver().is_none() {
                    let name = types::pat_var(&pt.pat).map(ToString::to_string);
                    c.params.push(name.unwrap_or_default());
                }
                c.param_type(&pt.ty);
                if let (syn::Pat::Ident(id), Some(ty)) = (&*pt.pat, c.annotated(&pt.ty)) {
                    c.bind_ident(&id.ident, &ty);
                }
            }
        }
        c.visit_return_type(&sig.output);
        // Only an assignment among the body's own statements is a transition every
        // call makes (`member.status = ..` inside an `else` is not).
        c.top_assigns = refuse::unconditional_assigns(body, &c.cat.writes.error_answers);
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
        for input in closure.inputs.items() {
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
        self.replay_cache |= other.replay_cache;
        self.consts = self.consts.union(&other.consts);
        self.types = self.types.union(&other.types);
        self.call_args = self.merged_args(&other);
        self.calls = self.calls.union(&other.calls);
        self.fn_calls = self.fn_calls.union(&other.fn_calls);
        self.storage = self.storage.take().or(other.storage);
        self.known_extractor = self.known_extractor.take().or(other.known_extractor);
        self.layer = self.layer.take().or(other.layer);
        self.writes = self.writes.take().or(other.writes);
        self.write_calls = self.write_calls.union(&other.write_calls);
        self.repeat |= other.repeat;
        self.new_id = self.new_id.take().or(other.new_id);
        self.counts = self.counts.take().or(other.counts);
        self.type_calls = self.type_calls.union(&other.type_calls);
        self.path_calls = self.path_calls.union(&other.path_calls);
        self.made_calls = self.made_calls.union(&other.made_calls);
    }
}
