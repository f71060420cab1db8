//! POST/PATCH routes of Rust web services and the idempotency-key evidence that covers them.
//!
//! Two phases, because handlers, extractors and routers live in different files of
//! one package:
//!
//! 1. [`summarize`] runs per file, inside the worker that parsed it, and returns a
//!    [`FileRoutes`]: plain data (`Send`, no `syn` types) holding the route
//!    registrations of the file (method, path literal, handler name, span, the
//!    router/scope they belong to), the routers' structure (nesting, merges, layers
//!    and middleware), every function with its evidence (reads an idempotency header,
//!    the types it takes, the functions it calls, storage calls, key fields), the
//!    extractor impls, key-header constants and body types with a key field.
//! 2. [`link`] runs once per package over all its files and resolves what crosses
//!    files: handlers by name, extractors by type, helpers one call down, routers
//!    returned by functions and nested or merged elsewhere, layers on outer routers.
//!    It returns one [`RouteFact`] per subject route (the catalogue's
//!    `subject-methods`, POST and PATCH by default), with `covered_by` saying how it
//!    is covered, if it is.
//!
//! [`to_node`] turns facts into the positioned tree the declarative rule
//! `rust/mutation-without-idempotency-key` selects (`each = "routes[*]"`: the
//! integrator puts the sequence under a `routes` key of the package's document).
//!
//! What the frameworks look like, and what counts as a key, is data:
//! [`RoutesCatalog`] (`rules/apis/routes/routes.toml`).
//!
//! Recognised registrations: axum `Router::route(p, post(h))`, chained `get(a).post(b)`,
//! `on(MethodFilter::POST, h)`, `nest`/`merge`/`layer`/`route_layer`, method routers
//! returned by functions; aide `api_route_with(p, post_with(h, docs), ..)`; actix-web
//! `#[post("/p")]`, `#[route("/p", method = "POST")]`, `web::resource(p).route(web::post().to(h))`,
//! `web::route().method(Method::POST)`, `App::route`, `web::scope(..).wrap(..)`,
//! `configure(f)`, glob imports (`use actix_web::web::*; post()`); Rocket `#[post]`/`#[patch]`/
//! `#[route(POST, ..)]`; warp `warp::post()` filter chains (handler = the `.and_then(f)`/`.map(f)`
//! function, path from `warp::path(..)`/`path!`); poem `Route::new().at(p, post(ep))` and
//! poem-openapi `#[oai(method = "post")]`; utoipa `#[utoipa::path(post, ..)]` on a function
//! registered through `routes!(..)` and given no other route.
//!
//! Evidence (precision first: anything that looks like a check counts):
//! - the handler, a function it calls one level down, or an inline closure handler
//!   reads a key header (a string literal or a constant naming `Idempotency-Key` /
//!   `X-Idempotency-Key` in any case, outside CORS configuration calls);
//! - the handler takes a type whose extractor or typed-header impl reads the key
//!   (or a type the catalogue names, e.g. `IdempotencyKey`);
//! - the handler takes a body type with an `idempotency_key` field (or reads such a
//!   field) and it, or a function it calls, makes a storage call (`try_processing`, ...);
//! - a warp `header::<T>("idempotency-key")` filter in the route's chain;
//! - an idempotency layer or middleware wraps the method router, router, scope or app
//!   the route belongs to: a catalogue name (`IdempotencyLayer`, ...), `from_fn(f)` /
//!   a closure that reads the key, a function that builds a catalogue layer, or a type
//!   whose `Layer`/`Service`/`Transform`/`Middleware`/`Fairing` impl reads the key (or
//!   names a type whose impl does). tower layers (`layer`, `route_layer`) cover what was
//!   registered before them, as in axum; `wrap`/`with` cover the whole app or scope.
//!
//! - every write of the handler (two calls down) repeats safely: an insert the database
//!   dedups on a key or an update setting given values (`link/repeat.rs`, `sql.rs`).
//!
//! Not judged: `#[cfg(test)]` items and `#[test]`-like functions (catalogue setting
//! `skip-test-code`; out-of-line test modules are listed by [`FileRoutes::test_modules`]
//! for the caller to drop), paths holding a catalogue `ignore-path-segments` entry
//! (`login`, `session`, `token`, `graphql`, ... anywhere in the path) or ending in an
//! `ignore-last-segments` entry (`search`, `count`, ...) or in a parameter and a
//! `rerun-actions` word (`/alerts/{id}/trigger`), routing helpers whose handler
//! is their own parameter (`fn post<H>(self, handler: H) { self.route(p, post(handler)) }`).
//!
//! Handler names cross files by their last segment: a handler `orders::create` is the
//! function `create` of the package (the one in the registering file first). The
//! calls a body makes are resolved by their paths and the file's imports where these
//! say where a function comes from (`link::by_path`), else by their last name.
//! Stack: method chains are evaluated iteratively and other expressions stop at a
//! fixed depth, but `syn`'s own visitors recurse, so run `summarize` on the worker's
//! large stack, after the depth pre-scan.

mod catalog;
mod evidence;
mod fn_info;
mod frameworks;
mod link;
mod migrations;
mod orm;
mod sea;
mod sql;
pub(crate) mod types;

#[cfg(test)]
mod tests;

pub use catalog::RoutesCatalog;
#[cfg(test)]
pub(crate) use evidence::Evidence;
pub(crate) use evidence::{called_name, ARGS_UNKNOWN};
pub use link::{link, link_refs, link_workspace};

use crate::tree::{Node, Span, Value};

/// What one file contributes to its package's routes. Plain data: `Send`, no `syn` types.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileRoutes {
    pub(crate) routes: Vec<RouteRec>,
    pub(crate) scopes: Vec<ScopeRec>,
    /// Function name → the scope standing for what the function builds or registers
    /// (the router it returns, routes on its `cfg`/router parameter, its attribute routes).
    pub(crate) fn_scopes: Vec<(String, usize)>,
    pub(crate) fns: Vec<FnInfo>,
    /// `impl FromRequestParts/FromRequest/Header for T`: `T` and the impl's evidence.
    pub(crate) extractors: Vec<(String, evidence::Evidence)>,
    /// `impl Layer/Service/Transform/Middleware/Fairing for T`: `T` and the impl's
    /// evidence (its `types` include the impl's associated types).
    pub(crate) middlewares: Vec<(String, evidence::Evidence)>,
    /// Constants and statics whose value is a key header name.
    pub(crate) key_consts: Vec<String>,
    /// Structs and enums with a key field (`idempotency_key`).
    pub(crate) key_body_types: Vec<String>,
    /// Functions listed in a registration macro (`routes!(a, b)`).
    pub(crate) macro_registered: Vec<String>,
    /// `Type::f` of the associated functions whose body makes a new identity
    /// (`Cipher::new`, calling `get_uuid()`), with the generator.
    pub(crate) new_id_fns: Vec<(String, String)>,
    /// Functions used as the handler of an explicit method route (any method), each
    /// with the module its path resolves into (`workflows` of `workflows::run`, or of
    /// `run` imported from `crate::handler::workflows`); `None` when the path names no
    /// module (a function of this file, a glob import).
    pub(crate) handlers: Vec<(String, Option<String>)>,
    /// The line of a server-side timeout layer with a duration always set, put on a
    /// router of this file (the catalogue's `request-timeout-layers`), if any.
    #[serde(default)]
    pub(crate) request_timeout: Option<u32>,
    /// The file's middleware functions that await the rest of the chain under a
    /// timeout (`timeout(d, next.call(req))`): a router wrapped in one is bounded as
    /// by `request_timeout` ([`frameworks::timeout_middleware`]).
    #[serde(default)]
    pub(crate) timeout_middlewares: Vec<String>,
    /// Out-of-line modules declared under `#[cfg(test)]` (`mod tests;`).
    pub(crate) test_modules: Vec<String>,
    /// What the file's `use`s bind lowercase names to (functions and modules), one
    /// `name path\n` line each, Cargo renames undone (`get crate::db::get`); the path
    /// is empty for another party's code (`take` of `use std::mem::take`). Glob
    /// imports are named `*`. One text: the link step resolves calls by it.
    pub(crate) uses: Box<str>,
    /// What the file declares of a schema with sea-query and sea-orm (unique sets,
    /// its entity's table: [`sea::file_facts`]); empty unless it imports a sea crate.
    pub(crate) sea: Box<[sea::SeaFact]>,
}

impl FileRoutes {
    /// Names of the out-of-line modules this file declares under `#[cfg(test)]` or
    /// `#[test]`-like attributes (`#[cfg(test)] mod tests;`): their files (`tests.rs`,
    /// `tests/mod.rs` beside this one, per Rust's module rules) are test code, which only
    /// the caller, knowing the paths, can leave out before [`link`]. Empty when the
    /// catalogue's `skip-test-code` is off.
    pub fn test_modules(&self) -> &[String] {
        &self.test_modules
    }

    /// The file's functions that register a route with an inline closure handler
    /// (the closure's calls are theirs).
    pub(crate) fn inline_registering(&self) -> impl Iterator<Item = &str> {
        let inline = |s: usize| {
            (self.routes.iter())
                .any(|r| r.scope == Some(s) && matches!(r.handler, Some(Handler::Inline(_))))
        };
        (self.fn_scopes.iter())
            .filter(move |(_, s)| inline(*s))
            .map(|(f, _)| f.as_str())
    }

    /// The middleware functions put on one method router (`post(purge).route_layer(
    /// from_fn(auth))`): they run on that route's requests only, no router-wide layer
    /// ([`Self::middleware_fns`]).
    pub(crate) fn route_middleware_fns(&self) -> impl Iterator<Item = &str> {
        (self.routes.iter().filter_map(|r| r.layer_refs.as_ref()))
            .flat_map(|refs| refs.middleware_fns.iter().map(String::as_str))
    }

    /// The functions the file's layers run as middleware (`from_fn(f)`).
    pub(crate) fn middleware_fns(&self) -> impl Iterator<Item = &str> {
        (self.scopes.iter().flat_map(|s| &s.layers))
            .flat_map(|l| match &l.by {
                LayerBy::Refs(r) => r.middleware_fns.as_slice(),
                LayerBy::Named(_) => &[],
            })
            .map(String::as_str)
    }
}

/// One route registration of a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RouteRec {
    pub method: String,
    /// The path as registered in its scope; the link step prefixes it with the paths of
    /// the scopes and nests above (`RouteFact::path`).
    pub path: Option<String>,
    pub handler: Option<Handler>,
    pub span: Span,
    /// Scope the route was registered in, and its registration order there.
    pub scope: Option<usize>,
    pub order: u32,
    /// Covered where it is registered: a layer on the method router, a warp header filter.
    pub covered_here: Option<String>,
    /// What the layers on its method router name (`post(h).layer(from_fn(check_key))`),
    /// for the link step to judge as it judges a router's ([`LayerBy::Refs`]).
    #[serde(default)]
    pub layer_refs: Option<LayerRefs>,
    /// The method comes only from an OpenAPI attribute: a subject only when the
    /// function is registered through a macro and has no other route.
    pub openapi_only: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Handler {
    /// A function, by name, and by its path as the registration writes it
    /// (`organization::storage::save`; `None` for an attribute route, whose handler is
    /// the function it marks): the link step finds the function the path names, and
    /// goes by the name only when the path cannot be placed (many handlers share a
    /// name: openobserve has five `save`s).
    Named(String, Option<String>),
    /// A closure handler, judged on its own evidence.
    Inline(Box<evidence::Evidence>),
}

/// A router, app, scope or resource (or the stand-in of a function's routes).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ScopeRec {
    /// A scope's or resource's own path (`web::scope("/api")`, `web::resource("/p")`):
    /// the link step puts it in front of the paths of the routes and scopes below it.
    pub path: Option<String>,
    pub layers: Vec<LayerRec>,
    /// What is attached below (order, what, the path prefix it is attached under:
    /// `nest("/api", router)`).
    pub children: Vec<(u32, Child, Option<String>)>,
    /// Registration counter: routes, children and layers take increasing orders.
    pub next: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Child {
    Local(usize),
    /// The scope of the named function, anywhere in the package.
    Fn(String),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LayerRec {
    pub order: u32,
    /// tower-style: covers only what was registered before it.
    pub ordered: bool,
    pub by: LayerBy,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum LayerBy {
    /// A catalogue layer or a closure middleware that reads the key.
    Named(String),
    /// Resolved by the link step.
    Refs(LayerRefs),
}

/// What a layer argument names, for the link step to judge.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LayerRefs {
    /// `from_fn(f)`: covered when `f` reads the key (or calls a function that does).
    pub middleware_fns: Vec<String>,
    /// `layer(idempotency(store))`: covered when the function builds a catalogue layer.
    pub builders: Vec<String>,
    /// `wrap(KeyCheck)`: covered when a middleware impl of the type reads the key.
    pub types: Vec<String>,
}

pub(crate) use fn_info::FnInfo;

/// A route of a package, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteFact {
    /// Index into the files slice given to [`link`].
    pub file: usize,
    /// The registration (`post(create)`, `web::post().to(create)`) or the attribute.
    pub span: Span,
    pub method: String,
    /// The full path: the registered one behind the prefixes of the scopes, nests and
    /// mounts above it (`web::scope("/api")`, `nest("/v1", ..)`), where literal.
    pub path: Option<String>,
    pub handler: Option<String>,
    /// How the route is covered: `header`, `extractor IdempotencyKey`,
    /// `layer IdempotencyLayer`, `body field idempotency_key`, ...; `None`: not covered.
    pub covered_by: Option<String>,
    /// How the handler writes (`sql insert into`, `call insert (in save_order)`, or
    /// `handler not in the scanned code`); `None`: it shows no write, it only reads or
    /// answers, and the rule does not judge it.
    pub writes: Option<String>,
    /// Why the route is surely a mutation, when it writes and is: its handler makes a
    /// record under an identity made per request (`new id Uuid::new_v4 (in
    /// Order::new)`), the one write evidence a repeat surely duplicates, or it reads an
    /// idempotency key (its authors' word). Writes matched by a call's name only
    /// (`call .send`, `call Type::save`) mislead on code they were not shaped on (a
    /// channel's `send`, a validator's `add_param`).
    pub confirmed: Option<String>,
}

/// Summarises one parsed file. `text` is the text `file` was parsed from (positions
/// are converted to byte offsets of it). Never panics on odd input.
pub fn summarize(file: &syn::File, text: &str, catalog: &RoutesCatalog) -> FileRoutes {
    let index = crate::extract::rust::front::index::Index::of(file);
    let imports = crate::extract::rust::front::imports::Imports::of(&index, None);
    summarize_at(file, &imports, &Positions::new(text), catalog)
}

/// [`summarize`] with the positions of the file's text (line starts already known).
pub(crate) fn summarize_at(
    file: &syn::File,
    imports: &crate::extract::rust::front::imports::Imports<'_>,
    pos: &Positions<'_>,
    catalog: &RoutesCatalog,
) -> FileRoutes {
    frameworks::summarize_file(file, imports, pos, catalog)
}

/// The positioned tree the rule selects: a sequence of maps with `method`, `path`,
/// `handler` (when known) and `idempotency-key: <how>` only when covered. Every node
/// carries the span of its route's registration, a byte range of the text of file
/// `route.file`: give it the facts of one file at a time
/// (`facts.iter().filter(|f| f.file == i)`) and put the sequence under `routes` in
/// that file's document.
pub fn to_node(routes: &[&RouteFact]) -> Node {
    let items: Vec<Node> = routes
        .iter()
        .map(|r| {
            let s = r.span;
            let entry = |k: &str, v: &str| (Node::scalar(k, false, s), Node::scalar(v, true, s));
            let mut map = vec![entry("method", &r.method)];
            if let Some(p) = &r.path {
                map.push(entry("path", p));
            }
            if let Some(h) = &r.handler {
                map.push(entry("handler", h));
            }
            if let Some(c) = &r.covered_by {
                map.push(entry("idempotency-key", c));
            }
            if let Some(w) = &r.writes {
                map.push(entry("writes", w));
            }
            if let Some(n) = &r.confirmed {
                map.push(entry("confirmed", n));
            }
            Node {
                value: Value::Map(map),
                span: s,
            }
        })
        .collect();
    let span = match (
        routes.iter().map(|r| r.span.start).min(),
        routes.iter().map(|r| r.span.end).max(),
    ) {
        (Some(a), Some(b)) => Span::new(a, b),
        _ => Span::default(),
    };
    Node {
        value: Value::Seq(items),
        span,
    }
}

pub(crate) use crate::extract::rust::front::positions::Positions;
