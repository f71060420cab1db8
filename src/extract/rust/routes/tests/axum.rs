//! axum: method routers, extractors, helpers, layers, nested routers, middleware.

use super::*;

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
            // One handler, one path, two methods: one fact naming both.
            row("PATCH, POST", Some("/d"), Some("update"), None),
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
                Some("/api/orders"),
                Some("create_order"),
                Some("layer IdempotencyLayer")
            ),
            row(
                "POST",
                Some("/internal/admin/orders"),
                Some("create_order"),
                None
            ),
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

#[test]
fn a_key_middleware_on_a_method_router_covers_its_routes() {
    let src = r#"fn app() -> Router {
    let keyed = || middleware::from_fn(require_key);
    Router::new()
        .route("/orders", post(create).layer(middleware::from_fn(require_key)))
        .route("/orders/{id}/cancel", post(cancel).route_layer(keyed()))
        .route("/notes", post(note).layer(middleware::from_fn(log_requests)))
}
async fn require_key(req: Request, next: Next) -> Response {
    if req.headers().get("idempotency-key").is_none() { return bad_request(); }
    next.run(req).await
}
async fn log_requests(req: Request, next: Next) -> Response { next.run(req).await }
async fn create() {}
async fn cancel() {}
async fn note() {}"#;
    assert_eq!(
        rows(&[src]),
        vec![
            row(
                "POST",
                Some("/orders"),
                Some("create"),
                Some("middleware require_key")
            ),
            row(
                "POST",
                Some("/orders/{id}/cancel"),
                Some("cancel"),
                Some("middleware require_key")
            ),
            row("POST", Some("/notes"), Some("note"), None),
        ]
    );
}
