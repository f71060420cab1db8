//! HTTP API of checkout.

use std::sync::Arc;

use axum::extract::{Json, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::{clients, ledger::Ledger, payments::Payments, receipts};

#[derive(Clone)]
pub struct AppState {
    inventory: Arc<clients::Inventory>,
    fraud: Arc<clients::Fraud>,
    payments: Arc<Payments>,
    ledger: Arc<Ledger>,
}

impl AppState {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            inventory: Arc::new(clients::Inventory::new()),
            fraud: Arc::new(clients::Fraud::new()),
            payments: Arc::new(Payments::new()?),
            ledger: Arc::new(Ledger::new()?),
        })
    }
}

#[derive(Deserialize)]
pub struct NewOrder {
    sku: String,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/orders/{id}", get(order_status))
        // A retried POST creates a second order: nothing deduplicates it.
        .route("/orders", post(place_order))
        .route("/orders/{id}/pay", post(pay))
        .with_state(state)
}

/// Every order of the demo shop costs the same.
const ORDER_CENTS: u64 = 4_999;

async fn order_status(Path(id): Path<u64>) -> String {
    format!("order {id}: placed")
}

async fn place_order(State(state): State<AppState>, Json(order): Json<NewOrder>) -> Result<(StatusCode, String), StatusCode> {
    // Every request is a new order, under an id made here.
    let id = Uuid::new_v4();
    state.inventory.reserve(&order.sku).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    let score = state.fraud.score(1).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    if score > 0.9 {
        return Err(StatusCode::FORBIDDEN);
    }
    Ok((StatusCode::CREATED, id.to_string()))
}

/// Paying twice is worse than failing once: the client must send an Idempotency-Key.
async fn pay(State(state): State<AppState>, Path(id): Path<u64>, headers: HeaderMap) -> Result<StatusCode, StatusCode> {
    let key = headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .ok_or(StatusCode::BAD_REQUEST)?;
    state.payments.charge(id, key).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    state.ledger.book(id, ORDER_CENTS).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    // The shopper waits for the receipt, rendered on a blocking thread.
    tokio::task::spawn_blocking(move || receipts::render(id))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(StatusCode::OK)
}
