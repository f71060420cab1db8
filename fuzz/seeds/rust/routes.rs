use axum::{routing::{get, post}, Router, Json, extract::Path};
use actix_web::{web, App, HttpServer};

async fn create(Json(b): Json<serde_json::Value>) -> Json<serde_json::Value> { Json(b) }
async fn show(Path(id): Path<u32>) -> String { id.to_string() }

pub fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/orders/:id", get(show).put(create))
        .nest("/v1", Router::new().route("/x", post(create)))
}

#[actix_web::post("/pay")]
async fn pay() -> &'static str { "ok" }

#[cfg(test)]
mod tests;

#[cfg(test)]
mod inline {
    #[test]
    fn t() { assert_eq!(super::app as usize > 0, true); }
}

macro_rules! m { ($($t:tt)*) => { $($t)* }; }
m! { fn generated() -> impl Fn(u8) -> Box<dyn Fn(u8) -> u8> { |a| Box::new(move |b| a + b) } }
