//! Test code, positions, odd input, macro bodies, the node and the catalogue.

use super::*;

// ---- scope, positions, odd input ------------------------------------------------

#[test]
fn test_code_is_skipped() {
    let src = r#"#[cfg(test)]
mod tests {
    fn app() -> Router { Router::new().route("/t", post(create)) }
}
#[tokio::test]
async fn t() { let app = Router::new().route("/t2", post(create)); }
#[cfg(all(test, feature = "x"))]
fn app2() -> Router { Router::new().route("/t3", post(create)) }
fn real() -> Router { Router::new().route("/real", post(create)) }"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/real"), Some("create"), None)]
    );
}

#[test]
fn spans_are_byte_offsets_with_crlf_non_ascii_and_bom() {
    let src = "\u{feff}// caf\u{e9} \u{2713} \u{1F980}\r\nfn app() -> Router { Router::new().route(\"/\u{e9}t\u{e9}\", /* \u{2713} */ post(create)) }\r\n#[post(\"/\u{1F980}\")] async fn crab() {}\r\nasync fn create() {}\r\n";
    let facts = link_srcs(&[src]);
    let texts: Vec<&str> = facts
        .iter()
        .map(|r| &src[r.span.start..r.span.end])
        .collect();
    assert_eq!(texts, vec!["post(create)", "#[post(\"/\u{1F980}\")]"]);
    assert_eq!(facts[0].path.as_deref(), Some("/\u{e9}t\u{e9}"));
    // Line 1 with a BOM: columns shift by the BOM.
    let src = "\u{feff}fn a() -> Router { Router::new().route(\"/x\", post(h)) }";
    let f = &link_srcs(&[src])[0];
    assert_eq!(&src[f.span.start..f.span.end], "post(h)");
}

#[test]
fn odd_input_does_not_panic() {
    let sources = [
        "",
        "fn main() {}",
        "fn f() { post(); post(1, 2, 3); on(); on(MethodFilter::POST); Router::new().route(); Router::new().route(1, 2, 3); }",
        "fn f() { let x = routes![]; let y = routes!(1 + 2); warp::path!(); warp::path!(/ / \"a\" / ..); }",
        "#[post] fn a() {} #[post()] fn b() {} #[route] fn c() {} #[route(method = 3)] fn d() {} #[utoipa::path] fn e() {}",
        "#[utoipa::path(method())] fn e() {} #[route(\"/x\", method = \"BREW\")] fn f() {}",
        "impl FromRequestParts for () {} impl<T> FromRequest for Vec<T> { fn x() { \"idempotency-key\"; } }",
        "fn f() { App::new().wrap().service().configure(|| {}).route(\"/x\", web::post().to()); }",
        "fn f() { a.b.c.d().e().f(g(h(i(post(s))))); }",
        "macro_rules! m { () => {} } fn f() { m!(); vec![Router::new().route(\"/v\", post(h))]; }",
    ];
    let cat = RoutesCatalog::builtin();
    for s in sources {
        let files = vec![sum_with(&cat, s), FileRoutes::default()];
        let _ = to_node(
            &link(&files, &RoutesCatalog::builtin())
                .iter()
                .collect::<Vec<_>>(),
        );
    }
    // Deep but parseable nesting stops at the depth limit instead of recursing on.
    let mut deep = String::from("fn f() { ");
    deep.push_str(&"(".repeat(200));
    deep.push_str("Router::new().route(\"/d\", post(h))");
    deep.push_str(&")".repeat(200));
    deep.push_str("; }");
    // Parse and summarize on a generous stack, as the workers do (syn's own recursion
    // needs it in debug builds); `eval` stops at its depth limit.
    let cat2 = cat.clone();
    let parsed = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let file = syn::parse_file(&deep).unwrap();
            let sum = summarize(&file, &deep, &cat2);
            std::mem::forget(file); // dropping the deep tree needs the big stack too
            sum
        })
        .unwrap()
        .join()
        .unwrap();
    let _ = link(&[parsed], &RoutesCatalog::builtin());
    // Positions past the text are clamped.
    let li = Positions::new("ab\ncd");
    assert_eq!(li.offset(proc_macro2::LineColumn { line: 9, column: 0 }), 5);
    assert_eq!(
        li.offset(proc_macro2::LineColumn {
            line: 1,
            column: 40
        }),
        2
    );
    assert_eq!(li.offset(proc_macro2::LineColumn { line: 0, column: 0 }), 5);
}

#[test]
fn macro_bodies_are_walked() {
    let src = r#"fn app() -> Router { Router::new().route("/m", post(create)) }
async fn create(headers: HeaderMap) {
    tracing::info!(key = ?headers.get("idempotency-key"), "creating");
}"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/m"), Some("create"), Some("header"))]
    );
}

// ---- node, catalogue ------------------------------------------------------------

#[test]
fn to_node_maps_facts_with_spans() {
    let facts = [
        RouteFact {
            file: 0,
            span: Span::new(10, 20),
            method: "POST".into(),
            path: Some("/orders".into()),
            handler: Some("create".into()),
            covered_by: None,
            writes: Some("sql insert into".into()),
            confirmed: Some("creates a record: new id Uuid::new_v4".into()),
        },
        RouteFact {
            file: 0,
            span: Span::new(30, 40),
            method: "PATCH".into(),
            path: None,
            handler: None,
            covered_by: Some("header".into()),
            writes: None,
            confirmed: None,
        },
    ];
    let node = to_node(&facts.iter().collect::<Vec<_>>());
    assert_eq!(node.span, Span::new(10, 40));
    let items = node.as_seq().unwrap();
    assert_eq!(items[0].get("method").and_then(Node::as_str), Some("POST"));
    assert_eq!(items[0].get("path").and_then(Node::as_str), Some("/orders"));
    assert_eq!(
        items[0].get("handler").and_then(Node::as_str),
        Some("create")
    );
    assert!(items[0].get("idempotency-key").is_none());
    assert_eq!(items[0].span, Span::new(10, 20));
    assert_eq!(items[0].get("method").unwrap().span, Span::new(10, 20));
    assert!(items[1].get("path").is_none());
    assert_eq!(
        items[0].get("writes").and_then(Node::as_str),
        Some("sql insert into")
    );
    assert!(items[1].get("writes").is_none());
    assert_eq!(
        items[0].get("confirmed").and_then(Node::as_str),
        Some("creates a record: new id Uuid::new_v4")
    );
    assert!(items[1].get("confirmed").is_none());
    assert_eq!(
        items[1].get("idempotency-key").and_then(Node::as_str),
        Some("header")
    );
    assert_eq!(to_node(&[]).as_seq().map(<[Node]>::len), Some(0));
}

#[test]
fn catalogue_is_data() {
    let cat = RoutesCatalog::builtin();
    assert_eq!(cat.subject_methods, vec!["POST", "PATCH"]);
    let err = RoutesCatalog::from_toml("subject-methods = []\nbogus = 1").unwrap_err();
    assert!(err.contains("bogus"), "{err}");

    // PUT made a subject by a setting.
    let text = include_str!("../../../../../rules/apis/routes/routes.toml").replace(
        "subject-methods = [\"POST\", \"PATCH\"]",
        "subject-methods = [\"post\", \"patch\", \"put\"]",
    );
    let cat = RoutesCatalog::from_toml(&text).unwrap();
    let src = with_handlers(
        r#"fn app() -> Router { Router::new().route("/o", put(replace).delete(remove)) }"#,
    );
    let files = vec![sum_with(&cat, &src)];
    let got: Vec<String> = link(&files, &RoutesCatalog::builtin())
        .into_iter()
        .map(|r| r.method)
        .collect();
    assert_eq!(got, vec!["PUT"]);

    // An in-house layer added from a user's partial file.
    let mut cat = RoutesCatalog::builtin();
    let extra = RoutesCatalog::from_toml("[evidence]\nlayers = [\"AcmeDedupLayer\"]\n").unwrap();
    cat.extend(extra);
    assert!(cat
        .evidence
        .layers
        .contains(&"IdempotencyLayer".to_string()));
    let src = r#"fn app() -> Router { Router::new().route("/o", post(create)).layer(AcmeDedupLayer::new()) }"#;
    let facts = link(&[sum_with(&cat, src)], &cat);
    assert_eq!(facts[0].covered_by.as_deref(), Some("layer AcmeDedupLayer"));
}

#[test]
fn a_bare_call_of_the_files_own_get_is_no_method_router() {
    // gitbucket-cli's `config` subcommand: `path()` makes the body worth reading (warp's
    // path filter), `get(key)` calls the file's own function, not axum's `get`.
    let own = r#"pub fn run(args: ConfigArgs) -> Result<()> {
    match args.command {
        ConfigCommand::Path => path(),
        ConfigCommand::Get { key } => get(key),
    }
}
fn path() -> Result<()> { Ok(()) }
fn get(key: String) -> Result<()> { println!("{key}"); Ok(()) }"#;
    let cat = RoutesCatalog::builtin();
    assert_eq!(sum_with(&cat, own).handlers, vec![]);
    // A bare `get` the file does not define is still a framework's (a glob import).
    let glob = r#"use axum::routing::*;
fn app() -> Router { Router::new().route("/status", get(status)) }
async fn status() -> &'static str { "ok" }"#;
    assert_eq!(
        sum_with(&cat, glob).handlers,
        vec![("status".to_string(), None)]
    );
}

#[test]
fn routing_helpers_are_not_routes_their_callers_are() {
    let src = r#"impl Resource {
    pub fn create<H>(self, handler: H) -> Self { self.route(&self.name, post(handler)) }
    pub fn update<H>(self, handler: H) -> Self { self.route("/x", on(MethodFilter::PUT.or(MethodFilter::PATCH), handler)) }
}
fn post_foo() -> Router { route("/foo", post(handler)) }
fn route(path: &str, method_router: MethodRouter<()>) -> Router { Router::new().route(path, method_router) }
async fn handler() {}"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/foo"), Some("handler"), None)]
    );
}

#[test]
fn layer_built_by_a_function_covers() {
    let layers = r#"pub fn idempotency(store: Store) -> IdempotencyLayer<Store> { IdempotencyLayer::new(store) }
pub fn tracing() -> TraceLayer { TraceLayer::new_for_http() }"#;
    let app = r#"fn app(store: Store) -> Router {
    let a = Router::new().route("/a", post(create)).layer(layers::idempotency(store));
    let b = Router::new().route("/b", post(create)).layer(tracing());
    Router::new().merge(a).merge(b)
}
async fn create() {}"#;
    assert_eq!(
        rows(&[app, layers]),
        vec![
            row(
                "POST",
                Some("/a"),
                Some("create"),
                Some("layer IdempotencyLayer (from idempotency)")
            ),
            row("POST", Some("/b"), Some("create"), None),
        ]
    );
}

#[test]
fn custom_middleware_types_that_read_the_key_cover() {
    // actix: `wrap(RequireKey)` names the `Transform`; the `Service` it builds reads the key.
    let mw = r#"pub struct RequireKey;
pub struct RequireKeyMiddleware<S> { service: S }
impl<S, B> Transform<S, ServiceRequest> for RequireKey where S: Service<ServiceRequest> {
    type Response = ServiceResponse<B>;
    type Transform = RequireKeyMiddleware<S>;
    type Future = Ready<Result<Self::Transform, Self::InitError>>;
    fn new_transform(&self, service: S) -> Self::Future { ready(Ok(RequireKeyMiddleware { service })) }
}
impl<S, B> Service<ServiceRequest> for RequireKeyMiddleware<S> {
    type Response = ServiceResponse<B>;
    fn call(&self, req: ServiceRequest) -> Self::Future {
        if req.headers().contains_key("Idempotency-Key") { Box::pin(self.service.call(req)) } else { reject(req) }
    }
}
pub struct Timing;
impl<S> Transform<S, ServiceRequest> for Timing {
    type Transform = TimingMiddleware<S>;
    fn new_transform(&self, service: S) -> Self::Future { ready(Ok(TimingMiddleware { service })) }
}"#;
    let app = r#"use actix_web::{post, web, App};
#[post("/a")]
async fn a() -> HttpResponse { HttpResponse::Ok().finish() }
#[post("/b")]
async fn b() -> HttpResponse { HttpResponse::Ok().finish() }
fn main() {
    HttpServer::new(|| App::new()
        .service(web::scope("/x").wrap(middleware::RequireKey).service(a))
        .service(web::scope("/y").wrap(Timing).service(b)));
}"#;
    assert_eq!(
        rows(&[app, mw]),
        vec![
            row(
                "POST",
                Some("/x/a"),
                Some("a"),
                Some("middleware RequireKey")
            ),
            row("POST", Some("/y/b"), Some("b"), None),
        ]
    );
}

#[test]
fn method_routers_returned_by_functions_follow_their_router() {
    let src = r#"fn create_route() -> MethodRouter<AppState> { post(create).get(list) }
fn app() -> Router {
    Router::new().route("/orders", create_route()).layer(IdempotencyLayer::new())
}
fn loose() -> MethodRouter { patch(update) }
async fn create() {}
async fn list() {}
async fn update() {}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create"),
                Some("layer IdempotencyLayer")
            ),
            row("PATCH", None, Some("update"), None),
        ]
    );
}

#[test]
fn aide_routes_and_let_bound_router_calls() {
    let endpoints = r#"pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route_with("/app", post_with(create_app, create_app_docs).get_with(list_apps, list_docs), &tag)
        .api_route("/app/{id}", patch_with(patch_app, patch_docs).put_with(put_app, put_docs))
}
async fn create_app() {}
async fn patch_app() {}"#;
    let app = r#"fn serve(state: AppState) {
    let v1 = endpoints::router().with_state::<()>(state);
    let app = ApiRouter::new().nest_api_service("/api/v1", v1).finish_api(&mut api);
    let app = app.layer((layer_fn(move |service| IdempotencyService { cache: cache.clone(), service }), CorsLayer::new()));
}"#;
    assert_eq!(
        rows(&[endpoints, app]),
        vec![
            row(
                "POST",
                Some("/api/v1/app"),
                Some("create_app"),
                Some("layer IdempotencyService")
            ),
            row(
                "PATCH",
                Some("/api/v1/app/{id}"),
                Some("patch_app"),
                Some("layer IdempotencyService")
            ),
        ]
    );
}

#[test]
fn long_route_chains_keep_their_router() {
    let mut src = String::from("fn app() -> Router {\n    Router::new()\n");
    for i in 0..3000 {
        src.push_str(&format!("        .route(\"/r{i}\", post(create))\n"));
    }
    src.push_str("        .layer(IdempotencyLayer::new())\n}\nasync fn create() {}\n");
    // Parsing and visiting a 3000-link chain recurse in syn: a worker-sized stack.
    let facts = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || link_srcs(&[&src]))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(facts.len(), 3000);
    assert!(facts
        .iter()
        .all(|f| f.covered_by.as_deref() == Some("layer IdempotencyLayer")));
}

#[test]
fn sign_in_token_and_graphql_paths_are_not_subjects_test_modules_are_listed() {
    let src = r#"fn app() -> Router {
    Router::new()
        .route("/api/users/login", post(login))
        .route("/oauth/token/", post(token))
        .route("/graphql", post(graphql))
        .route("/api/users", post(register))
}
#[post("/Logout")]
async fn logout() {}
#[cfg(test)]
mod tests;
mod handlers;"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/api/users"), Some("register"), None)]
    );
    let cat = RoutesCatalog::builtin();
    assert_eq!(sum_with(&cat, src).test_modules(), ["tests"]);
}

#[test]
fn constant_declared_inside_the_handler_counts() {
    let src = r#"fn app() -> Router { Router::new().route("/a", post(a)) }
async fn a(headers: HeaderMap) {
    const KEY: &str = "Idempotency-Key";
    let k = headers.get(KEY);
}"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/a"), Some("a"), Some("header"))]
    );
}

#[test]
fn summaries_cross_threads_and_the_catalogue_is_shared() {
    fn send<T: Send>() {}
    fn sync<T: Send + Sync>() {}
    send::<FileRoutes>();
    send::<RouteFact>();
    sync::<RoutesCatalog>();
}

/// Evidence keeps names in the order met, repeats included; where one is named, it is
/// the least (what the first match of a sorted list was), whatever the body's order.
#[test]
fn of_several_callees_or_constants_the_least_name_is_named() {
    let callees = r#"fn app() -> Router { Router::new().route("/o", post(create)) }
async fn create(h: HeaderMap) { zeta(&h); alpha(&h); zeta(&h); }
fn zeta(h: &HeaderMap) { h.get("Idempotency-Key"); }
fn alpha(h: &HeaderMap) { h.get("Idempotency-Key"); }
"#;
    assert_eq!(
        rows(&[callees]),
        vec![row(
            "POST",
            Some("/o"),
            Some("create"),
            Some("header (in alpha)")
        )]
    );
    let consts = r#"fn app() -> Router { Router::new().route("/o", post(create)) }
const ZED_KEY: &str = "Idempotency-Key";
const A_KEY: &str = "idempotency-key";
async fn create(h: HeaderMap) { h.get(ZED_KEY); h.get(A_KEY); h.get(ZED_KEY); }
"#;
    assert_eq!(
        rows(&[consts]),
        vec![row(
            "POST",
            Some("/o"),
            Some("create"),
            Some("header A_KEY")
        )]
    );
}

#[test]
fn session_words_match_any_literal_segment_query_words_only_the_last() {
    let src = r#"fn app() -> Router {
    Router::new()
        .route("/opaque/login/finish", post(register))
        .route("/api/private/session/begin", post(register))
        .route("/invites/{token}/accept", post(register))
        .route("/teams/:token/join", post(register))
        .route("/orders/search", post(register))
        .route("/search/reindex", post(register))
}
#[post("/files/<token>/claim")]
async fn claim() {}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/invites/{token}/accept"),
                Some("register"),
                None
            ),
            row("POST", Some("/teams/:token/join"), Some("register"), None),
            row("POST", Some("/search/reindex"), Some("register"), None),
            row("POST", Some("/files/<token>/claim"), Some("claim"), None),
        ]
    );
}

#[test]
fn paths_keep_the_prefixes_of_scopes_nests_and_mounts_above_them() {
    let axum = r#"fn app(prefix: &str) -> Router {
    Router::new()
        .nest("/api/v1", api())
        .nest("/login", steps())
        .nest(prefix, misc())
}
fn api() -> Router { Router::new().route("/", post(register)).route("/orders/", post(register)) }
fn steps() -> Router { Router::new().route("/finish", post(register)) }
fn misc() -> Router { Router::new().route("/misc", post(register)) }"#;
    let actix = r#"fn main() {
    App::new().service(
        web::scope("/admin")
            .service(web::resource("/users").route(web::post().to(add_user)))
            .route("/audit", web::post().to(add_user)),
    );
}"#;
    let rocket = r#"#[post("/buy")]
fn buy() {}
fn rocket() -> Rocket<Build> { rocket::build().mount("/shop", routes![buy]) }"#;
    let got: Vec<Option<String>> = link_srcs(&[axum, actix, rocket])
        .into_iter()
        .map(|r| r.path)
        .collect();
    let want = [
        "/api/v1",
        "/api/v1/orders/",
        "/misc",
        "/admin/users",
        "/admin/audit",
        "/shop/buy",
    ];
    assert_eq!(got, want.map(|p| Some(p.to_string())));
}

#[test]
fn computed_prefixes_keep_their_literal_parts() {
    // vaultwarden: `.mount([basepath, "/api"].concat(), routes())`; the base path is
    // configuration, shown as a parameter.
    let rocket = r#"#[post("/folders")]
fn add() {}
#[post("/users")]
fn invite() {}
fn rocket(basepath: &str, cfg: Config) -> Rocket<Build> {
    rocket::build()
        .mount([basepath, "/api"].concat(), routes![add])
        .mount(format!("{}/admin", cfg.base), routes![invite])
}"#;
    let got: Vec<Option<String>> = link_srcs(&[rocket]).into_iter().map(|r| r.path).collect();
    assert_eq!(
        got,
        [
            Some("/{basepath}/api/folders".to_string()),
            Some("/{}/admin/users".to_string())
        ]
    );
}

#[test]
fn a_functions_body_is_its_block_in_bytes_whatever_comes_before() {
    let src = "// Café, naïve: characters of two bytes before the bodies.\n\
               fn fetch() -> u8 { /* é */ 1 }\n\
               struct S;\n\
               impl S {\n    fn run(&self) { fetch(); }\n}\n\
               #[no_mangle]\nextern \"C\" fn hook() {}\n";
    let f = sum_with(&RoutesCatalog::builtin(), src);
    let body = |name: &str| {
        let info = f.fns.iter().find(|i| i.name == name).expect("a function");
        (&src[info.body.0 as usize..info.body.1 as usize], info.entry)
    };
    assert_eq!(body("fetch"), ("{ /* é */ 1 }", false));
    assert_eq!(body("run"), ("{ fetch(); }", false));
    // A host runs a foreign function without naming it.
    assert_eq!(body("hook"), ("{}", true));
}
