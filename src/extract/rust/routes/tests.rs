//! Every framework form and evidence form on small sources, positive and negative,
//! and the spans (the fixtures are judged by `tests/rules.rs`).

use super::*;

fn sum_with(cat: &RoutesCatalog, src: &str) -> FileRoutes {
    let file =
        syn::parse_file(src).unwrap_or_else(|e| panic!("test source does not parse: {e}\n{src}"));
    summarize(&file, src, cat)
}

fn link_srcs(srcs: &[&str]) -> Vec<RouteFact> {
    let cat = RoutesCatalog::builtin();
    let files: Vec<FileRoutes> = srcs.iter().map(|s| sum_with(&cat, s)).collect();
    link(&files)
}

/// (method, path, handler, covered_by) of each route, in order.
type Row = (String, Option<String>, Option<String>, Option<String>);

fn rows(srcs: &[&str]) -> Vec<Row> {
    link_srcs(srcs)
        .into_iter()
        .map(|r| (r.method, r.path, r.handler, r.covered_by))
        .collect()
}

fn row(method: &str, path: Option<&str>, handler: Option<&str>, covered: Option<&str>) -> Row {
    (
        method.to_string(),
        path.map(str::to_string),
        handler.map(str::to_string),
        covered.map(str::to_string),
    )
}

/// The text under each route's span.
fn span_texts(src: &str) -> Vec<String> {
    link_srcs(&[src])
        .into_iter()
        .map(|r| src[r.span.start..r.span.end].to_string())
        .collect()
}

const PLAIN_HANDLERS: &str = r#"
async fn create(Json(body): Json<NewOrder>) -> StatusCode { StatusCode::CREATED }
async fn update() {}
async fn show() {}
async fn list() {}
async fn replace() {}
async fn remove() {}
"#;

fn with_handlers(router: &str) -> String {
    format!("{router}\n{PLAIN_HANDLERS}")
}

// ---- axum ------------------------------------------------------------------------

#[test]
fn axum_post_and_chained_patch_are_subjects_put_delete_get_are_not() {
    let src = with_handlers(
        r#"use axum::{routing::{get, post, put}, Router};
fn app() -> Router {
    Router::new()
        .route("/orders", post(create).get(list))
        .route("/orders/{id}", get(show).patch(update).put(replace).delete(remove))
}"#,
    );
    assert_eq!(
        rows(&[&src]),
        vec![
            row("POST", Some("/orders"), Some("create"), None),
            row("PATCH", Some("/orders/{id}"), Some("update"), None),
        ]
    );
    assert_eq!(span_texts(&src), vec!["post(create)", "patch(update)"]);
}

#[test]
fn axum_on_method_filter_and_qualified_paths() {
    let src = with_handlers(
        r#"fn app() -> axum::Router {
    axum::Router::new()
        .route("/a", axum::routing::on(axum::routing::MethodFilter::POST, create))
        .route("/b", routing::post(create))
        .route("/c", on(MethodFilter::PUT, replace))
        .route("/d", on(MethodFilter::PATCH.or(MethodFilter::POST), update))
}"#,
    );
    let got = rows(&[&src]);
    assert_eq!(
        got,
        vec![
            row("POST", Some("/a"), Some("create"), None),
            row("POST", Some("/b"), Some("create"), None),
            row("PATCH", Some("/d"), Some("update"), None),
            row("POST", Some("/d"), Some("update"), None),
        ]
    );
}

#[test]
fn client_calls_named_post_are_not_routes() {
    let src = r#"use ureq::post;
fn call() {
    let r = ureq::post("http://payments:8080/charge").call();
    let s = post("http://x").send_json(1);
    let c = reqwest::Client::new(); c.post("http://x").send();
    let t = client.route("/x", 3);
}"#;
    assert_eq!(rows(&[src]), vec![]);
}

#[test]
fn header_read_in_handler_covers_in_any_case() {
    for header in ["Idempotency-Key", "idempotency-key", "X-IDEMPOTENCY-KEY"] {
        let src = format!(
            r#"fn app() -> Router {{ Router::new().route("/pay", post(pay)) }}
async fn pay(headers: HeaderMap) -> Result<(), StatusCode> {{
    let key = headers.get("{header}").ok_or(StatusCode::BAD_REQUEST)?;
    Ok(())
}}"#
        );
        assert_eq!(
            rows(&[&src]),
            vec![row("POST", Some("/pay"), Some("pay"), Some("header"))],
            "{header}"
        );
    }
    // Another header is no key.
    let src = r#"fn app() -> Router { Router::new().route("/pay", post(pay)) }
async fn pay(headers: HeaderMap) { headers.get("x-request-id"); }"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/pay"), Some("pay"), None)]
    );
}

#[test]
fn header_name_constant_in_another_file_covers() {
    let consts = r#"pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REQUEST_ID: &str = "x-request-id";"#;
    let routes = r#"fn app() -> Router { Router::new().route("/pay", post(pay)).route("/refund", post(refund)) }
async fn pay(headers: HeaderMap) { let k = headers.get(&crate::IDEMPOTENCY_KEY); }
async fn refund(headers: HeaderMap) { let k = headers.get(REQUEST_ID); }"#;
    assert_eq!(
        rows(&[routes, consts]),
        vec![
            row(
                "POST",
                Some("/pay"),
                Some("pay"),
                Some("header IDEMPOTENCY_KEY")
            ),
            row("POST", Some("/refund"), Some("refund"), None),
        ]
    );
}

#[test]
fn typed_extractor_whose_impl_reads_the_key_covers() {
    let extractor = r#"pub struct IdemKey(pub String);
impl<S: Send + Sync> FromRequestParts<S> for IdemKey {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.headers.get("Idempotency-Key").map(|v| IdemKey(v.to_str().unwrap_or("").into())).ok_or(StatusCode::BAD_REQUEST)
    }
}
pub struct Tenant(String);
impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Tenant(parts.headers.get("x-tenant").is_some().to_string()))
    }
}"#;
    let routes = r#"fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/carts", post(cart))
        .route("/known", post(known))
}
async fn create(IdemKey(key): IdemKey, Json(o): Json<Order>) {}
async fn cart(t: Tenant) {}
async fn known(key: Option<IdempotencyKey>) {}"#;
    assert_eq!(
        rows(&[routes, extractor]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create"),
                Some("extractor IdemKey")
            ),
            row("POST", Some("/carts"), Some("cart"), None),
            row(
                "POST",
                Some("/known"),
                Some("known"),
                Some("extractor IdempotencyKey")
            ),
        ]
    );
}

#[test]
fn typed_header_impl_covers() {
    let src = r#"static IDEMPOTENCY: HeaderName = HeaderName::from_static("x-idempotency-key");
struct RequestKey(String);
impl Header for RequestKey {
    fn name() -> &'static HeaderName { &IDEMPOTENCY }
    fn decode<'i, I: Iterator<Item = &'i HeaderValue>>(values: &mut I) -> Result<Self, Error> { todo_decode(values) }
    fn encode<E: Extend<HeaderValue>>(&self, values: &mut E) {}
}
fn app() -> Router { Router::new().route("/orders", post(create)) }
async fn create(TypedHeader(k): TypedHeader<RequestKey>) {}"#;
    assert_eq!(
        rows(&[src]),
        vec![row(
            "POST",
            Some("/orders"),
            Some("create"),
            Some("extractor RequestKey")
        )]
    );
}

#[test]
fn helper_one_level_down_counts_two_levels_do_not() {
    let src = r#"fn app() -> Router { Router::new().route("/a", post(a)).route("/b", post(b)) }
async fn a(headers: HeaderMap) { let key = require_key(&headers)?; }
async fn b(headers: HeaderMap) { let key = outer(&headers)?; }
fn outer(h: &HeaderMap) -> Result<String, E> { require_key(h) }
fn require_key(h: &HeaderMap) -> Result<String, E> { h.get("idempotency-key").ok_or(E) }"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/a"),
                Some("a"),
                Some("header (in require_key)")
            ),
            row("POST", Some("/b"), Some("b"), None),
        ]
    );
}

#[test]
fn body_key_field_counts_only_with_a_storage_call() {
    let src = r#"#[derive(Deserialize)]
struct NewPayment { amount: u64, idempotency_key: Uuid }
fn app() -> Router { Router::new().route("/pay", post(pay)).route("/quote", post(quote)) }
async fn pay(State(s): State<AppState>, Json(p): Json<NewPayment>) {
    if let Some(saved) = s.store.try_processing(p.idempotency_key).await? { return saved; }
}
async fn quote(Json(p): Json<NewPayment>) { let _ = p.amount; }"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/pay"),
                Some("pay"),
                Some("body field idempotency_key")
            ),
            row("POST", Some("/quote"), Some("quote"), None),
        ]
    );
    // The storage call one level down.
    let src = r#"struct NewPayment { idempotency_key: String }
fn app() -> Router { Router::new().route("/pay", post(pay)) }
async fn pay(Json(p): Json<NewPayment>) { charge(p).await }
async fn charge(p: NewPayment) { store.save_response(&p.idempotency_key, 1).await }"#;
    assert_eq!(
        rows(&[src]),
        vec![row(
            "POST",
            Some("/pay"),
            Some("pay"),
            Some("body field idempotency_key")
        )]
    );
}

#[test]
fn cors_only_header_is_no_check() {
    let src = r#"fn app() -> Router {
    let cors = CorsLayer::new().allow_headers([HeaderName::from_static("idempotency-key"), CONTENT_TYPE]);
    Router::new()
        .route("/orders", post(create))
        .layer(CorsLayer::new().allow_headers([HeaderName::from_static("idempotency-key")]))
        .layer(cors)
}
async fn create(headers: HeaderMap) {
    let cors = Cors::default().allowed_header("Idempotency-Key");
}"#;
    assert_eq!(
        rows(&[src]),
        vec![row("POST", Some("/orders"), Some("create"), None)]
    );
}

#[test]
fn layers_cover_routes_registered_before_them() {
    let src = with_handlers(
        r#"fn app() -> Router {
    Router::new()
        .route("/before", post(create))
        .layer(IdempotencyLayer::new(store.clone()))
        .route("/after", post(create))
}
fn app2() -> Router {
    Router::new().route("/rl", post(update)).route_layer(ServiceBuilder::new().layer(IdempotentLayer::default()))
}
fn app3() -> Router {
    let app = Router::new().route("/let", post(update));
    let app = app.layer(IdempotencyLayer::new(store));
    app
}
fn app4() -> Router {
    let svc = ServiceBuilder::new().layer(IdempotencyLayer::new(store));
    Router::new().route("/svc", post(update)).layer(svc)
}
fn app5() -> Router {
    Router::new().route("/mr", post(update).layer(IdempotencyLayer::new(store)))
}"#,
    );
    assert_eq!(
        rows(&[&src]),
        vec![
            row(
                "POST",
                Some("/before"),
                Some("create"),
                Some("layer IdempotencyLayer")
            ),
            row("POST", Some("/after"), Some("create"), None),
            row(
                "POST",
                Some("/rl"),
                Some("update"),
                Some("layer IdempotentLayer")
            ),
            row(
                "POST",
                Some("/let"),
                Some("update"),
                Some("layer IdempotencyLayer")
            ),
            row(
                "POST",
                Some("/svc"),
                Some("update"),
                Some("layer IdempotencyLayer")
            ),
            row(
                "POST",
                Some("/mr"),
                Some("update"),
                Some("layer IdempotencyLayer")
            ),
        ]
    );
}

#[test]
fn nested_and_merged_routers_under_a_layer_across_files() {
    let orders = r#"pub fn router() -> Router<AppState> {
    Router::new().route("/orders", post(handlers::create_order))
}
pub fn admin() -> Router<AppState> { Router::new().route("/admin/orders", post(create_order)) }"#;
    let handlers =
        r#"pub async fn create_order(State(s): State<AppState>, Json(o): Json<Order>) {}"#;
    let main = r#"fn app(state: AppState) -> Router {
    let api = Router::new().merge(orders::router());
    Router::new()
        .nest("/api", api)
        .layer(IdempotencyLayer::new(state.store.clone()))
        .nest("/internal", orders::admin())
        .with_state(state)
}"#;
    assert_eq!(
        rows(&[orders, handlers, main]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create_order"),
                Some("layer IdempotencyLayer")
            ),
            row("POST", Some("/admin/orders"), Some("create_order"), None),
        ]
    );
}

#[test]
fn from_fn_middleware_that_reads_the_key_covers() {
    let src = r#"fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .layer(axum::middleware::from_fn_with_state(state.clone(), require_idempotency))
}
fn other() -> Router {
    Router::new().route("/x", post(create)).layer(middleware::from_fn(log_requests))
}
async fn require_idempotency(State(s): State<S>, req: Request, next: Next) -> Response {
    if req.headers().get("idempotency-key").is_none() { return bad_request(); }
    next.run(req).await
}
async fn log_requests(req: Request, next: Next) -> Response { next.run(req).await }
async fn create() {}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create"),
                Some("middleware require_idempotency")
            ),
            row("POST", Some("/x"), Some("create"), None),
        ]
    );
}

#[test]
fn closure_handlers_are_judged_on_their_body() {
    let src = r#"fn app() -> Router {
    Router::new()
        .route("/a", post(|headers: HeaderMap| async move { headers.get("Idempotency-Key"); }))
        .route("/b", post(|| async { "ok" }))
}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row("POST", Some("/a"), None, Some("header")),
            row("POST", Some("/b"), None, None)
        ]
    );
}

// ---- actix-web -----------------------------------------------------------------

#[test]
fn actix_attributes() {
    let src = r#"use actix_web::{post, patch, put, route, web, HttpResponse};
#[post("/orders")]
async fn create(body: web::Json<Order>) -> HttpResponse { HttpResponse::Created().finish() }
#[put("/orders/{id}")]
async fn replace() -> HttpResponse { HttpResponse::Ok().finish() }
#[actix_web::patch("/orders/{id}")]
async fn update() -> HttpResponse { HttpResponse::Ok().finish() }
#[route("/multi", method = "POST", method = "PUT", method = "PATCH")]
async fn multi() -> HttpResponse { HttpResponse::Ok().finish() }"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row("POST", Some("/orders"), Some("create"), None),
            row("PATCH", Some("/orders/{id}"), Some("update"), None),
            row("PATCH", Some("/multi"), Some("multi"), None),
            row("POST", Some("/multi"), Some("multi"), None),
        ]
    );
    assert_eq!(
        span_texts(src),
        vec![
            r#"#[post("/orders")]"#,
            r#"#[actix_web::patch("/orders/{id}")]"#,
            r#"#[route("/multi", method = "POST", method = "PUT", method = "PATCH")]"#,
            r#"#[route("/multi", method = "POST", method = "PUT", method = "PATCH")]"#,
        ]
    );
}

#[test]
fn actix_resources_app_route_and_glob_import() {
    let src = with_handlers(
        r#"use actix_web::web::*;
fn main() {
    HttpServer::new(|| {
        App::new()
            .service(web::resource("/orders").route(web::post().to(create)).route(web::get().to(list)))
            .route("/orders/{id}", web::patch().to(update))
            .route("/glob", post().to(create))
            .service(resource("/r").route(route().method(Method::POST).to(create)))
            .service(web::resource("/g").route(web::route().guard(guard::Patch()).to(update)))
            .route("/p", web::put().to(replace))
    })
}"#,
    );
    assert_eq!(
        rows(&[&src]),
        vec![
            row("POST", Some("/orders"), Some("create"), None),
            row("PATCH", Some("/orders/{id}"), Some("update"), None),
            row("POST", Some("/glob"), Some("create"), None),
            row("POST", Some("/r"), Some("create"), None),
            row("PATCH", Some("/g"), Some("update"), None),
        ]
    );
    assert_eq!(span_texts(&src)[0], "web::post().to(create)");
}

#[test]
fn actix_wrap_on_app_scope_and_configure() {
    let handlers = r#"use actix_web::{post, web};
#[post("/orders")]
async fn create() -> HttpResponse { HttpResponse::Ok().finish() }
#[post("/refunds")]
async fn refund() -> HttpResponse { HttpResponse::Ok().finish() }
#[post("/open")]
async fn open() -> HttpResponse { HttpResponse::Ok().finish() }
pub fn config(cfg: &mut web::ServiceConfig) { cfg.service(refund); }"#;
    let main = r#"fn main() {
    HttpServer::new(move || {
        App::new()
            .service(web::scope("/api").wrap(IdempotencyMiddleware::new(store.clone())).service(create))
            .service(web::scope("/v2").configure(config).wrap(IdempotencyMiddleware::default()))
            .service(open)
            .service(web::resource("/pay").wrap(Idempotency::new()).route(web::post().to(pay)))
    })
}
async fn pay() {}"#;
    assert_eq!(
        rows(&[handlers, main]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create"),
                Some("layer IdempotencyMiddleware")
            ),
            row(
                "POST",
                Some("/refunds"),
                Some("refund"),
                Some("layer IdempotencyMiddleware")
            ),
            row("POST", Some("/open"), Some("open"), None),
            row("POST", Some("/pay"), Some("pay"), Some("layer Idempotency")),
        ]
    );
}

// ---- Rocket, warp, poem, utoipa -------------------------------------------------

#[test]
fn rocket_attributes() {
    let src = r#"#[macro_use] extern crate rocket;
#[post("/orders", data = "<order>")]
fn create(order: Json<Order>) -> Status { Status::Created }
#[rocket::patch("/orders/<id>", data = "<o>")]
fn update(id: u64, o: Json<Order>) -> Status { Status::Ok }
#[route(POST, uri = "/legacy")]
fn legacy() {}
#[post("/keyed")]
fn keyed(key: IdempotencyKey) {}
#[launch]
fn rocket() -> _ { rocket::build().mount("/", routes![create, update, legacy, keyed]) }"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row("POST", Some("/orders"), Some("create"), None),
            row("PATCH", Some("/orders/<id>"), Some("update"), None),
            row("POST", Some("/legacy"), Some("legacy"), None),
            row(
                "POST",
                Some("/keyed"),
                Some("keyed"),
                Some("extractor IdempotencyKey")
            ),
        ]
    );
}

#[test]
fn warp_filters() {
    let src = r#"pub fn routes() -> impl Filter<Extract = impl Reply> + Clone {
    let create = warp::post()
        .and(warp::path("orders"))
        .and(warp::body::json())
        .and_then(handlers::create_order);
    let keyed = warp::path!("payments" / u64)
        .and(warp::post())
        .and(warp::header::<String>("Idempotency-Key"))
        .and_then(pay);
    let list = warp::get().and(warp::path("orders")).and_then(list_orders);
    let put = warp::put().and(warp::path("orders")).map(replace);
    create.or(keyed).or(list).or(put)
}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row("POST", Some("/orders"), Some("create_order"), None),
            row(
                "POST",
                Some("/payments/{}"),
                Some("pay"),
                Some("header filter")
            ),
        ]
    );
    let texts = span_texts(src);
    assert!(
        texts[0].starts_with("warp::post()")
            && texts[0].ends_with("and_then(handlers::create_order)"),
        "{texts:?}"
    );
}

#[test]
fn poem_routes_and_middleware() {
    let src = with_handlers(
        r#"use poem::{get, post, handler, Route, EndpointExt};
fn app() -> impl Endpoint {
    let open = Route::new().at("/orders", post(create).get(list)).at("/orders/:id", poem::patch(update));
    let guarded = Route::new().at("/pay", post(create)).with(IdempotencyMiddleware::new());
    Route::new().nest("/open", open).nest("/guarded", guarded)
}"#,
    );
    assert_eq!(
        rows(&[&src]),
        vec![
            row("POST", Some("/orders"), Some("create"), None),
            row("PATCH", Some("/orders/:id"), Some("update"), None),
            row(
                "POST",
                Some("/pay"),
                Some("create"),
                Some("layer IdempotencyMiddleware")
            ),
        ]
    );
}

#[test]
fn utoipa_method_counts_only_for_registered_functions_without_another_route() {
    let handlers = r#"#[utoipa::path(post, path = "/orders", responses((status = 201)))]
pub async fn create_order(Json(o): Json<Order>) {}
#[utoipa::path(post, path = "/unregistered")]
pub async fn unregistered() {}
#[utoipa::path(method(patch, put), path = "/orders/{id}")]
pub async fn update_order() {}
#[utoipa::path(post, path = "/both")]
pub async fn both() {}
#[utoipa::path(get, path = "/orders")]
pub async fn list_orders() {}"#;
    let router = r#"pub fn router() -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(create_order, list_orders))
        .routes(routes!(update_order))
        .route("/both", post(both))
}"#;
    assert_eq!(
        rows(&[handlers, router]),
        vec![
            row("POST", Some("/orders"), Some("create_order"), None),
            row("PATCH", Some("/orders/{id}"), Some("update_order"), None),
            row("POST", Some("/both"), Some("both"), None),
        ]
    );
    let facts = link_srcs(&[handlers, router]);
    assert_eq!((facts[0].file, facts[2].file), (0, 1));
}

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
        let _ = to_node(&link(&files).iter().collect::<Vec<_>>());
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
    let _ = link(&[parsed]);
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
        },
        RouteFact {
            file: 0,
            span: Span::new(30, 40),
            method: "PATCH".into(),
            path: None,
            handler: None,
            covered_by: Some("header".into()),
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
    let text = include_str!("../../../../rules/apis/routes/routes.toml").replace(
        "subject-methods = [\"POST\", \"PATCH\"]",
        "subject-methods = [\"post\", \"patch\", \"put\"]",
    );
    let cat = RoutesCatalog::from_toml(&text).unwrap();
    let src = with_handlers(
        r#"fn app() -> Router { Router::new().route("/o", put(replace).delete(remove)) }"#,
    );
    let files = vec![sum_with(&cat, &src)];
    let got: Vec<String> = link(&files).into_iter().map(|r| r.method).collect();
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
    let facts = link(&[sum_with(&cat, src)]);
    assert_eq!(facts[0].covered_by.as_deref(), Some("layer AcmeDedupLayer"));
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
            row("POST", Some("/a"), Some("a"), Some("middleware RequireKey")),
            row("POST", Some("/b"), Some("b"), None),
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
            row("POST", None, Some("create"), Some("layer IdempotencyLayer")),
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
                Some("/app"),
                Some("create_app"),
                Some("layer IdempotencyService")
            ),
            row(
                "PATCH",
                Some("/app/{id}"),
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
