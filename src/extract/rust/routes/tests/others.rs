//! actix-web, Rocket, warp, poem and utoipa.

use super::*;

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
            row("PATCH, POST", Some("/multi"), Some("multi"), None),
        ]
    );
    assert_eq!(
        span_texts(src),
        vec![
            r#"#[post("/orders")]"#,
            r#"#[actix_web::patch("/orders/{id}")]"#,
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
                Some("/api/orders"),
                Some("create"),
                Some("layer IdempotencyMiddleware")
            ),
            row(
                "POST",
                Some("/v2/refunds"),
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
            row("POST", Some("/open/orders"), Some("create"), None),
            row("PATCH", Some("/open/orders/:id"), Some("update"), None),
            row(
                "POST",
                Some("/guarded/pay"),
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
